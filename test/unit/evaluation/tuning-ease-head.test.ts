/** The EASE head's tuning rule: within the tie margin of the best, the smallest head, then the best objective. */
import { chooseEaseHead } from '../../../evaluation/tuning-ease-head';

const rated = (items: number, lambda: number, objective: number) => ({
  combo: { easeItems: items, easeLambda: lambda },
  objective,
});

describe('chooseEaseHead', () => {
  it('takes a smaller head within 0.001 of the best, and its best λ', () => {
    expect(
      chooseEaseHead([
        rated(1000, 300, 0.3),
        rated(2000, 1000, 0.3105),
        rated(2000, 300, 0.3101),
        rated(3000, 1000, 0.311),
      ]),
    ).toEqual({ easeItems: 2000, easeLambda: 1000 });
  });

  it('takes the best when no smaller head is within the margin', () => {
    expect(chooseEaseHead([rated(1000, 300, 0.3), rated(3000, 3000, 0.32)])).toEqual({
      easeItems: 3000,
      easeLambda: 3000,
    });
  });

  it('refuses an empty grid', () => {
    expect(() => chooseEaseHead([])).toThrow(/no setting was scored/);
  });
});
