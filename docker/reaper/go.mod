module epj-chaos/docker/reaper

go 1.22
