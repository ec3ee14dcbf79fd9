//go:build !race

package main

// raceEnabled is true when the tests run with -race: the connreq binary they start is then
// built with -race too, and load figures shrink to what the race detector can carry.
const raceEnabled = false
