package main

import (
	"fmt"
	"sync"
	"time"
)

// Label names, as harness/docker/labels.ts defines them. The reaper's own container carries the run id under
// another key (harness/docker/reaper-sidecar.ts), so it never lists itself here.
const (
	labelManaged = "epj-chaos.managed"
	labelRun     = "epj-chaos.run"
)

type counts struct{ containers, networks, volumes int }

func (c counts) String() string {
	return fmt.Sprintf("%d containers, %d networks, %d volumes", c.containers, c.networks, c.volumes)
}

// reapRun removes the run's containers (forced, with their anonymous volumes), then its networks, then its
// volumes, pass after pass, until listings have stayed empty for quietFor: creates the dead owner had in flight
// can still land after the first empty listing (as removeRun in harness/docker/reaper.ts also allows for).
func reapRun(e *engine, run string) (counts, error) {
	filter := map[string][]string{"label": {labelManaged + "=true", labelRun + "=" + run}}
	var total counts
	seen := map[string]bool{}
	began := time.Now()
	var quietSince time.Time
	var lastErr error
	for {
		found, err := removePass(e, filter, seen, &total)
		switch {
		case err != nil:
			lastErr = err
			quietSince = time.Time{}
		case found > 0:
			quietSince = time.Time{}
		case quietSince.IsZero():
			quietSince = time.Now()
		case time.Since(quietSince) >= quietFor:
			return total, nil
		}
		if time.Since(began) > giveUpAfter {
			if lastErr == nil {
				lastErr = fmt.Errorf("objects kept appearing")
			}
			return total, fmt.Errorf("gave up: %w", lastErr)
		}
		time.Sleep(150 * time.Millisecond)
	}
}

// removePass lists and removes once; it returns how many objects the listings showed.
func removePass(e *engine, filter map[string][]string, seen map[string]bool, total *counts) (int, error) {
	var containers []struct{ Id string }
	if err := e.list("/containers/json?all=1", filter, &containers); err != nil {
		return 0, err
	}
	firstErr := removeAll(len(containers), func(i int) error {
		return e.remove("/containers/"+containers[i].Id+"?force=1&v=1", 409) // 409: removal already in progress
	})
	var networks []struct{ Id string }
	if err := e.list("/networks", filter, &networks); err != nil {
		return 0, err
	}
	// 403 and 409 here: an endpoint is still attached (a container on its way out); the next pass retries
	if err := removeAll(len(networks), func(i int) error { return e.remove("/networks/"+networks[i].Id, 403, 409) }); firstErr == nil {
		firstErr = err
	}
	var volumes struct{ Volumes []struct{ Name string } }
	if err := e.list("/volumes", filter, &volumes); err != nil {
		return 0, err
	}
	if err := removeAll(len(volumes.Volumes), func(i int) error { return e.remove("/volumes/"+volumes.Volumes[i].Name, 409) }); firstErr == nil {
		firstErr = err
	}
	for _, c := range containers {
		total.containers += tally(seen, "c"+c.Id)
	}
	for _, n := range networks {
		total.networks += tally(seen, "n"+n.Id)
	}
	for _, v := range volumes.Volumes {
		total.volumes += tally(seen, "v"+v.Name)
	}
	return len(containers) + len(networks) + len(volumes.Volumes), firstErr
}

func tally(seen map[string]bool, key string) int {
	if seen[key] {
		return 0
	}
	seen[key] = true
	return 1
}

func removeAll(n int, remove func(i int) error) error {
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) { defer wg.Done(); errs[i] = remove(i) }(i)
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
