package main

import (
	"testing"
	"time"
)

func TestSlotsFollowVegetasConstantPacer(t *testing.T) {
	s := newSchedule(10, 5) // one arrival every 100 ms
	began := time.Now()
	s.Pace(0, 0)
	// the pacer learned vegeta's start; slot n is began + (n+1) × 100 ms
	for n := 0; n < 3; n++ {
		slot, kind := s.arrival(began.Add(time.Duration(n+1) * 100 * time.Millisecond))
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
	if _, kind := s.arrival(began.Add(250 * time.Millisecond)); kind != arrivalBehind {
		t.Fatalf("late with free workers: kind %v, want behind", kind)
	}
	// every worker busy since before the next slot: the EPJ holds the clients, a failed attempt at its slot
	s.started(began.Add(150 * time.Millisecond))
	s.started(began.Add(220 * time.Millisecond)) // both workers busy from here …
	s.finished(began.Add(390 * time.Millisecond)) // … until here
	if _, kind := s.arrival(began.Add(400 * time.Millisecond)); kind != arrivalSaturated {
		t.Fatalf("late with every worker busy: kind %v, want saturated", kind)
	}
	// within 100 ms of its slot it is sent, busy or not
	if _, kind := s.arrival(began.Add(350 * time.Millisecond)); kind != arrivalSend {
		t.Fatalf("on time: kind %v, want send", kind)
	}
}
