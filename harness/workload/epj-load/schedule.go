package main

import (
	"sync"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// An open model has to keep its promise: clinicians arrive at their slots whether or not the EPJ answers. Vegeta
// paces ticks at constant intervals, but when every worker is busy its pacer blocks and then catches up in a burst;
// the missed seconds would have the fewest attempts and availability would be measured on survivors (coordinated
// omission). So every arrival is tied to its slot (began + (n+1)/rate, vegeta's own ConstantPacer schedule), and an
// arrival that cannot be sent within maxSendLag of its slot is never sent late:
//   - saturated: every worker of the function was busy since the slot — the EPJ is holding the clinicians' clients,
//     so it is a failed attempt at its slot (cause not-sent);
//   - behind: workers were free, so epj-load itself was late (starved of a CPU, or paused). That says nothing about
//     the EPJ: it is reported as a skip, which the harness counts against its own health (harness/selfwatch/), not
//     the EPJ's.

const maxSendLag = 100 * time.Millisecond

type arrivalKind int

const (
	arrivalSend arrivalKind = iota
	arrivalSaturated
	arrivalBehind
)

// schedule is one function's arrival clock and worker occupancy.
type schedule struct {
	pacer    vegeta.ConstantPacer
	interval time.Duration
	workers  int64

	beganOnce sync.Once
	// vegeta's attack start, learned from the pacer's first call; written once, before beganSet closes. It keeps its
	// monotonic reading, and so do the slots computed from it: lateness (now − slot) is measured on the monotonic
	// clock, as vegeta paces, so a step of the wall clock (NTP, a resumed VM) does not make every later arrival late
	began    time.Time
	beganSet chan struct{}

	// mu guards next and pending: a slot is handed out and becomes pending in one step, so the watermark never
	// passes a slot whose arrival is being prepared
	mu      sync.Mutex
	next    uint64              // slots handed out so far
	pending map[uint64]struct{} // slots handed out whose line is not yet written

	inFlight atomic.Int64
	// last instant every worker was busy, in monotonic nanoseconds since began
	saturatedAt atomic.Int64
}

func newSchedule(rate float64, workers uint64) *schedule {
	p := vegeta.ConstantPacer{Freq: int(rate*1000 + 0.5), Per: 1000 * time.Second}
	return &schedule{
		pacer:    p,
		interval: time.Duration(p.Per.Nanoseconds() / int64(p.Freq)),
		workers:  int64(workers),
		beganSet: make(chan struct{}),
		pending:  map[uint64]struct{}{},
	}
}

// Pace is vegeta's ConstantPacer; on the first call it learns when vegeta's attack began (now − elapsed), so slots
// are computed on vegeta's own time base.
func (s *schedule) Pace(elapsed time.Duration, hits uint64) (time.Duration, bool) {
	s.beganOnce.Do(func() {
		s.began = time.Now().Add(-elapsed)
		close(s.beganSet)
	})
	return s.pacer.Pace(elapsed, hits)
}

// Rate is part of vegeta.Pacer.
func (s *schedule) Rate(elapsed time.Duration) float64 { return s.pacer.Rate(elapsed) }

// arrival hands out the next slot (in order of the targeter's calls, one per tick) and decides whether it is sent.
// The slot stays pending until reported(n) says its line was written.
func (s *schedule) arrival(now time.Time) (n uint64, slot time.Time, kind arrivalKind) {
	<-s.beganSet // the pacer is always called before the first tick
	s.mu.Lock()
	n = s.next
	s.next++
	s.pending[n] = struct{}{}
	s.mu.Unlock()
	slot = s.slotTime(n)
	if now.Sub(slot) <= maxSendLag {
		return n, slot, arrivalSend
	}
	if s.saturatedAt.Load() >= int64(s.offset(n)) {
		return n, slot, arrivalSaturated
	}
	return n, slot, arrivalBehind
}

func (s *schedule) slotTime(n uint64) time.Time {
	return s.began.Add(s.offset(n))
}

// offset is slot n's distance from began: (n+1) intervals, vegeta's ConstantPacer schedule.
func (s *schedule) offset(n uint64) time.Duration {
	return time.Duration(n+1) * s.interval
}

// reported: slot n's line (attempt or skip) has been written.
func (s *schedule) reported(n uint64) {
	s.mu.Lock()
	delete(s.pending, n)
	s.mu.Unlock()
}

// watermark is the instant before which every slot's line has been written: the earliest slot still pending, or
// the next one to hand out. A reader may close a bucket that ends there (harness/workload/buckets.ts) without
// waiting out the attempt timeout. ok is false before the attack began.
func (s *schedule) watermark() (t time.Time, ok bool) {
	select {
	case <-s.beganSet:
	default:
		return time.Time{}, false
	}
	s.mu.Lock()
	low := s.next
	for n := range s.pending {
		low = min(low, n)
	}
	s.mu.Unlock()
	return s.slotTime(low), true
}

// started and finished keep the count of attempts in flight; reaching the worker cap marks the function saturated.
// Both are only called once the attack began (after arrival).
func (s *schedule) started(now time.Time) {
	if s.inFlight.Add(1) >= s.workers {
		s.saturatedAt.Store(int64(now.Sub(s.began)))
	}
}

func (s *schedule) finished(now time.Time) {
	if s.inFlight.Add(-1) >= s.workers-1 { // every worker was busy until this instant
		s.saturatedAt.Store(int64(now.Sub(s.began)))
	}
}
