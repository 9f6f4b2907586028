/**
 * Cost: the AWS bill of the configured app, before deploying it. The model (model.ts) prices each service the
 * synthesised template uses (prices.ts, one region and date) from settings read off the template itself
 * (settings.ts), and `recostream cost` / `npm run cost` (command.ts) prints the monthly table at 1, 10 and
 * 100 million events a day.
 */
export { costCommand, costTableMarkdown } from './command';
