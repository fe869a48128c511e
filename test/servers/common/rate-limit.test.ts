// The shared rate-limit model on a manual clock: budgets, refusals, the reset each policy reports, and recovery once the
// clock has moved. No real time passes in these tests.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ManualClock } from './clock.js'
import { RateLimitModel, type Policy } from './rate-limit.js'

const T0 = Date.parse('2025-01-01T00:00:10.250Z')

describe('shared rate-limit model: fixed window', () => {
  const policy: Policy = { kind: 'fixed-window', limit: 3, windowMs: 60_000 }

  it('counts calls in an epoch-aligned window, refuses past the limit, and allows again in the next window', () => {
    const clock = new ManualClock(T0)
    const model = new RateLimitModel(clock)
    const windowEnd = Date.parse('2025-01-01T00:01:00.000Z')
    const seen = [1, 2, 3].map(() => model.hit('api', 'token-1', policy))
    assert.deepEqual(
      seen.map((v) => [v.allowed, v.used, v.remaining, v.resetMs]),
      [
        [true, 1, 2, windowEnd],
        [true, 2, 1, windowEnd],
        [true, 3, 0, windowEnd],
      ],
    )
    assert.equal(seen[2]!.retryAfterMs, windowEnd - T0, 'the budget is spent: the next call waits for the window end')
    const refused = model.hit('api', 'token-1', policy)
    assert.equal(refused.allowed, false)
    assert.equal(refused.used, 4, 'a refused hit is counted too')
    assert.equal(refused.remaining, 0)
    assert.equal(refused.resetMs, windowEnd)
    assert.equal(refused.now, T0)
    clock.set(windowEnd - 1)
    assert.equal(model.hit('api', 'token-1', policy).allowed, false, 'still the same window 1 ms before its end')
    clock.set(windowEnd)
    const fresh = model.hit('api', 'token-1', policy)
    assert.equal(fresh.allowed, true)
    assert.equal(fresh.used, 1)
    assert.equal(fresh.resetMs, windowEnd + 60_000)
  })

  it('take counts only calls within budget; rollback uncounts; peek counts nothing', () => {
    const clock = new ManualClock(T0)
    const model = new RateLimitModel(clock)
    for (let i = 0; i < 3; i++) assert.equal(model.take('follows', '1', policy).allowed, true)
    const refused = model.take('follows', '1', policy)
    assert.equal(refused.allowed, false)
    assert.equal(refused.used, 3)
    model.rollback('follows', '1', policy)
    assert.equal(model.peek('follows', '1', policy).used, 2)
    assert.equal(model.peek('follows', '1', policy).used, 2)
    assert.equal(model.take('follows', '1', policy).allowed, true)
    assert.equal(model.take('follows', '1', policy).allowed, false)
  })

  it('keeps keys and families apart, and clear(family) forgets only that family', () => {
    const model = new RateLimitModel(new ManualClock(T0))
    for (let i = 0; i < 3; i++) model.hit('a', 'k', policy)
    assert.equal(model.hit('a', 'k', policy).allowed, false)
    assert.equal(model.hit('a', 'other', policy).allowed, true, 'another key')
    assert.equal(model.hit('b', 'k', policy).allowed, true, 'another family')
    model.clear('b')
    assert.equal(model.peek('a', 'k', policy).allowed, false)
    model.clear('a')
    assert.equal(model.peek('a', 'k', policy).allowed, true)
  })
})

describe('shared rate-limit model: sliding log', () => {
  const policy: Policy = { kind: 'sliding-log', limit: 2, windowMs: 1000 }

  it('refuses once the window holds the limit, resets when the limit-th newest call leaves it', () => {
    const clock = new ManualClock(T0)
    const model = new RateLimitModel(clock)
    assert.equal(model.hit('following/create', 'alice', policy).allowed, true)
    clock.advance(100)
    const second = model.hit('following/create', 'alice', policy)
    assert.equal(second.allowed, true)
    assert.equal(second.remaining, 0)
    assert.equal(second.resetMs, T0 + 1000, 'spent: a further call fits when the first call leaves the window')
    clock.advance(100)
    const refused = model.hit('following/create', 'alice', policy)
    assert.equal(refused.allowed, false)
    assert.equal(refused.used, 3, 'refused calls are logged')
    assert.equal(refused.resetMs, T0 + 100 + 1000, 'the refused call pushed the reset to the second call')
    assert.equal(refused.retryAfterMs, refused.resetMs - clock.now())
    clock.set(refused.resetMs - 1)
    assert.equal(model.peek('following/create', 'alice', policy).allowed, false)
    clock.set(refused.resetMs)
    assert.equal(model.peek('following/create', 'alice', policy).allowed, true)
    assert.equal(model.hit('following/create', 'alice', policy).allowed, true)
  })

  it('takes a fractional limit as "fewer calls than this"', () => {
    const model = new RateLimitModel(new ManualClock(T0))
    const half: Policy = { kind: 'sliding-log', limit: 2.5, windowMs: 1000 }
    const seen = [1, 2, 3, 4].map(() => model.hit('e', 'k', half))
    assert.deepEqual(
      seen.map((v) => [v.allowed, v.remaining]),
      [
        [true, 2],
        [true, 1],
        [true, 0],
        [false, 0],
      ],
    )
  })
})

describe('shared rate-limit model: token bucket', () => {
  const policy: Policy = { kind: 'token-bucket', burst: 2, perSecond: 0.5 }

  it('allows the burst, refuses without consuming, and allows again once a token has refilled', () => {
    const clock = new ManualClock(T0)
    const model = new RateLimitModel(clock)
    assert.equal(model.take('message', '@a:localhost', policy).allowed, true)
    assert.equal(model.take('message', '@a:localhost', policy).allowed, true)
    const refused = model.take('message', '@a:localhost', policy)
    assert.equal(refused.allowed, false)
    assert.equal(refused.retryAfterMs, 2000, 'one token at 0.5 a second')
    assert.equal(refused.resetMs, T0 + 2000)
    assert.equal(model.take('message', '@a:localhost', policy).retryAfterMs, 2000, 'a refused take consumed nothing')
    clock.advance(1999)
    assert.equal(model.peek('message', '@a:localhost', policy).retryAfterMs, 1)
    clock.advance(1)
    assert.equal(model.take('message', '@a:localhost', policy).allowed, true)
    assert.equal(model.peek('message', '@a:localhost', policy).allowed, false)
  })

  it('hit consumes even past the burst, so the debt has to refill too', () => {
    const clock = new ManualClock(T0)
    const model = new RateLimitModel(clock)
    model.hit('loginFailed', 'alice', policy)
    model.hit('loginFailed', 'alice', policy)
    const over = model.hit('loginFailed', 'alice', policy)
    assert.equal(over.allowed, false)
    assert.equal(over.retryAfterMs, 4000, 'two tokens short at 0.5 a second')
    clock.advance(4000)
    assert.equal(model.peek('loginFailed', 'alice', policy).allowed, true)
  })

  it('never refills past the burst', () => {
    const clock = new ManualClock(T0)
    const model = new RateLimitModel(clock)
    model.take('join', 'k', policy)
    clock.advance(3_600_000)
    const full = model.peek('join', 'k', policy)
    assert.equal(full.remaining, 2)
    assert.equal(full.resetMs, clock.now(), 'already full')
    model.take('join', 'k', policy)
    model.take('join', 'k', policy)
    assert.equal(model.take('join', 'k', policy).allowed, false)
  })
})

describe('shared clock', () => {
  it('a manual clock moves only when told, forwards with advance and anywhere with set', async () => {
    const clock = new ManualClock('2026-01-01T00:00:00.000Z')
    const start = clock.now()
    assert.equal(start, Date.parse('2026-01-01T00:00:00.000Z'))
    assert.equal(clock.now(), start)
    const { now, advance, sleep } = clock
    assert.equal(advance(1500), start + 1500)
    await sleep(500)
    assert.equal(now(), start + 2000)
    await sleep(-5)
    assert.equal(now(), start + 2000, 'a negative sleep does not go back')
    assert.throws(() => advance(-1), RangeError)
    clock.set(start)
    assert.equal(now(), start)
  })

  it('the model reads the clock it was given', () => {
    const clock = new ManualClock(T0)
    const model = new RateLimitModel(clock)
    assert.equal(model.peek('f', 'k', { kind: 'fixed-window', limit: 1, windowMs: 1000 }).now, T0)
    clock.advance(42)
    assert.equal(model.peek('f', 'k', { kind: 'fixed-window', limit: 1, windowMs: 1000 }).now, T0 + 42)
  })
})
