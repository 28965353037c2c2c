import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Decimal } from '../src/domain/decimal.js';
import { COINBASE_ADVANCED_TRADE_TIERS } from '../src/config/schema.js';
import { FeeSchedule, RollingVolume, THIRTY_DAYS_MS } from '../src/fees/schedule.js';

const schedule = FeeSchedule.fromConfig(COINBASE_ADVANCED_TRADE_TIERS);

test('the tier is the last whose 30-day volume threshold is reached', () => {
  assert.equal(schedule.tierFor(Decimal.ZERO).name, 'Intro 1');
  assert.equal(schedule.tierFor(Decimal.of('999.99')).name, 'Intro 1');
  assert.equal(schedule.tierFor(Decimal.of('1000')).name, 'Intro 2');
  assert.equal(schedule.tierFor(Decimal.of('74999.99')).name, 'Advanced 2');
  assert.equal(schedule.tierFor(Decimal.of('1000000000')).name, schedule.tiers.at(-1)!.name);
});

test('a fee is notional × rate × (1 − discount), exactly', () => {
  const tier = schedule.tierFor(Decimal.of('10000'));
  assert.equal(FeeSchedule.feeOf(tier, 'taker', Decimal.of('1234.56')).toString(), '4.93824');
  assert.equal(FeeSchedule.feeOf(tier, 'maker', Decimal.of('-1234.56')).toString(), '3.0864');
  assert.equal(FeeSchedule.feeOf(tier, 'taker', Decimal.of('1000'), Decimal.of('0.20')).toString(), '3.2');
});

test('a schedule out of volume order is refused', () => {
  const tier = schedule.tiers[1]!;
  assert.throws(() => new FeeSchedule([tier, schedule.tiers[0]!]), /sorted/);
});

test('rolling volume drops fills older than the window', () => {
  const volume = new RollingVolume(THIRTY_DAYS_MS);
  volume.add(0, Decimal.of('600'));
  volume.add(1000, Decimal.of('-500'));
  assert.equal(volume.at(2000).toString(), '1100');
  assert.equal(volume.at(THIRTY_DAYS_MS).toString(), '500');
  assert.equal(volume.at(THIRTY_DAYS_MS + 1000).toString(), '0');
  const carried = new RollingVolume(1000, Decimal.of('5'));
  carried.add(0, Decimal.of('1'));
  assert.equal(carried.at(5000).toString(), '5');
});
