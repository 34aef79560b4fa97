import { describe, expect, it } from 'vitest';
import { defaultNodeSize, freeSpot } from './layout';

const card = (x: number, y: number) => ({ position: { x, y }, measured: { width: defaultNodeSize.width, height: defaultNodeSize.height } });

describe('freeSpot', () => {
  it('keeps the wanted place when it is free', () => {
    expect(freeSpot({ x: 0, y: 0 }, [card(600, 0)])).toEqual({ x: 0, y: 0 });
  });

  it('moves below, then above, then aside, of cards already there', () => {
    const below = freeSpot({ x: 0, y: 0 }, [card(10, 10)]);
    expect(below).toEqual({ x: 0, y: defaultNodeSize.height + 30 });
    const above = freeSpot({ x: 0, y: 0 }, [card(10, 10), card(0, defaultNodeSize.height + 30)]);
    expect(above).toEqual({ x: 0, y: -(defaultNodeSize.height + 30) });
  });

  it('takes a group size for pastes of several steps', () => {
    const spot = freeSpot({ x: 0, y: 0 }, [card(0, 300)], { width: 220, height: 400 });
    expect(spot.y + 400 <= 300 - 16 || spot.y >= 300 + defaultNodeSize.height + 16 || spot.x >= 220 + 16 || spot.x + 220 <= -16).toBe(true);
  });
});
