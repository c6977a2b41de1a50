package main

import (
	"strings"
	"testing"
	"time"
)

func TestSlotsFollowVegetasConstantPacer(t *testing.T) {
	s := newSchedule(10, 5) // one arrival every 100 ms
	began := time.Now()
	s.Pace(0, 0)
	// the pacer learned vegeta's start; slot n is began + (n+1) × 100 ms
	for n := 0; n < 3; n++ {
		_, slot, kind := s.arrival(began.Add(time.Duration(n+1) * 100 * time.Millisecond))
		want := began.Add(time.Duration(n+1) * 100 * time.Millisecond)
		if d := slot.Sub(want); d < -time.Millisecond || d > time.Millisecond {
			t.Fatalf("slot %d at %v, want %v", n, slot, want)
		}
		if kind != arrivalSend {
			t.Fatalf("slot %d on time but kind %v", n, kind)
		}
	}
}

func TestLateArrivalIsNeverSentLate(t *testing.T) {
	s := newSchedule(10, 2)
	began := time.Now()
	s.Pace(0, 0)
	// 150 ms after its slot, with free workers: epj-load itself fell behind
	if _, _, kind := s.arrival(began.Add(250 * time.Millisecond)); kind != arrivalBehind {
		t.Fatalf("late with free workers: kind %v, want behind", kind)
	}
	// every worker busy since before the next slot: the EPJ holds the clients, a failed attempt at its slot
	s.started(began.Add(150 * time.Millisecond))
	s.started(began.Add(220 * time.Millisecond))  // both workers busy from here …
	s.finished(began.Add(390 * time.Millisecond)) // … until here
	if _, _, kind := s.arrival(began.Add(400 * time.Millisecond)); kind != arrivalSaturated {
		t.Fatalf("late with every worker busy: kind %v, want saturated", kind)
	}
	// within 100 ms of its slot it is sent, busy or not
	if _, _, kind := s.arrival(began.Add(350 * time.Millisecond)); kind != arrivalSend {
		t.Fatalf("on time: kind %v, want send", kind)
	}
}

func TestWatermarkWaitsForTheEarliestUnreportedSlot(t *testing.T) {
	s := newSchedule(10, 5)
	if _, ok := s.watermark(); ok {
		t.Fatal("a watermark before the attack began")
	}
	began := time.Now()
	s.Pace(0, 0)
	at := func(n int) time.Time { return began.Add(time.Duration(n+1) * 100 * time.Millisecond) }
	near := func(got, want time.Time) bool {
		d := got.Sub(want)
		return d > -time.Millisecond && d < time.Millisecond
	}
	if w, _ := s.watermark(); !near(w, at(0)) {
		t.Fatalf("nothing handed out: watermark %v, want the first slot %v", w, at(0))
	}
	n0, _, _ := s.arrival(at(0))
	n1, _, _ := s.arrival(at(1))
	n2, _, _ := s.arrival(at(2))
	s.reported(n1) // answered out of order: slot 0 still in flight
	if w, _ := s.watermark(); !near(w, at(0)) {
		t.Fatalf("slot 0 in flight: watermark %v, want %v", w, at(0))
	}
	s.reported(n0)
	if w, _ := s.watermark(); !near(w, at(2)) {
		t.Fatalf("slot 2 in flight: watermark %v, want %v", w, at(2))
	}
	s.reported(n2)
	if w, _ := s.watermark(); !near(w, at(3)) {
		t.Fatalf("all reported: watermark %v, want the next slot %v", w, at(3))
	}
}

func TestSlotsAreOnTheMonotonicClock(t *testing.T) {
	s := newSchedule(10, 5)
	s.Pace(0, 0)
	// a slot with a monotonic reading is compared with time.Now() on the monotonic clock (package time: "Monotonic
	// Clocks"), as vegeta paces; a wall-clock slot would make every arrival after a step of the wall clock late
	if _, slot, _ := s.arrival(time.Now()); !strings.Contains(slot.String(), " m=") {
		t.Fatalf("slot %v has no monotonic reading", slot)
	}
	if w, _ := s.watermark(); !strings.Contains(w.String(), " m=") {
		t.Fatalf("watermark %v has no monotonic reading", w)
	}
}
