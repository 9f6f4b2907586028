/** The simulated shop: its site, its categories (median price, search queries), and its visitors' locales and browsers. */
export const SITE = 'https://shop.recostream.local';

export const CATEGORY_SPECS: ReadonlyArray<{
  name: string;
  medianPrice: number;
  queries: readonly string[];
}> = [
  {
    name: 'electronics',
    medianPrice: 120,
    queries: ['headphones', 'bluetooth speaker', '4k tv', 'usb c charger'],
  },
  { name: 'books', medianPrice: 15, queries: ['mystery novel', 'cookbook', 'science fiction', 'biography'] },
  { name: 'clothing', medianPrice: 35, queries: ['t shirt', 'winter jacket', 'jeans', 'summer dress'] },
  { name: 'home', medianPrice: 45, queries: ['bed sheets', 'table lamp', 'storage boxes', 'curtains'] },
  { name: 'kitchen', medianPrice: 30, queries: ['coffee maker', 'chef knife', 'non stick pan', 'blender'] },
  { name: 'sports', medianPrice: 40, queries: ['yoga mat', 'running shoes', 'dumbbells', 'tennis racket'] },
  { name: 'toys', medianPrice: 25, queries: ['lego', 'board game', 'puzzle', 'plush toy'] },
  { name: 'beauty', medianPrice: 20, queries: ['moisturizer', 'lipstick', 'shampoo', 'perfume'] },
  { name: 'garden', medianPrice: 35, queries: ['garden hose', 'plant pots', 'seeds', 'lawn mower'] },
  { name: 'automotive', medianPrice: 50, queries: ['car charger', 'dash cam', 'floor mats', 'wiper blades'] },
  { name: 'grocery', medianPrice: 8, queries: ['coffee beans', 'olive oil', 'green tea', 'dark chocolate'] },
  { name: 'pet-supplies', medianPrice: 22, queries: ['dog food', 'cat litter', 'dog leash', 'aquarium'] },
  { name: 'office', medianPrice: 18, queries: ['notebook', 'desk chair', 'printer paper', 'gel pens'] },
  { name: 'music', medianPrice: 25, queries: ['vinyl record', 'guitar strings', 'ukulele', 'keyboard'] },
  { name: 'movies', medianPrice: 14, queries: ['blu ray', 'box set', 'documentary', 'anime'] },
  {
    name: 'video-games',
    medianPrice: 45,
    queries: ['controller', 'rpg game', 'gaming headset', 'racing game'],
  },
  {
    name: 'health',
    medianPrice: 18,
    queries: ['vitamins', 'first aid kit', 'thermometer', 'protein powder'],
  },
  { name: 'baby', medianPrice: 25, queries: ['diapers', 'stroller', 'baby monitor', 'baby bottle'] },
  { name: 'jewelry', medianPrice: 60, queries: ['silver necklace', 'earrings', 'watch', 'bracelet'] },
  { name: 'tools', medianPrice: 40, queries: ['drill', 'screwdriver set', 'tape measure', 'tool box'] },
];

export const LOCALES: readonly string[] = [
  'en-US',
  'en-US',
  'en-US',
  'en-GB',
  'de-DE',
  'fr-FR',
  'es-ES',
  'ja-JP',
];

export const USER_AGENTS: readonly string[] = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36',
  'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0',
];
