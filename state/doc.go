// Package state lets the generated world change in response to the connection-request
// lifecycle (accept, reject, cancel_reject, request, cancel_request, remove, mark_seen),
// deterministically and shareably.
//
// The base world stays a pure function of (seed, user, index) in package fixtures.
// Actions are recorded as Transitions in a Store (Memory, or Redis shared by many mock
// replicas); a Hub replays each session's log into a World — the overlay's materialised
// state — and every read goes through it: an Overlay is a fixtures.List that wraps any
// list and maps positions past removed and added items in O(log transitions), so the
// page function, the DRF pager and the page cache stay unchanged.
//
// Direction: mock → state → fixtures; state never imports mock or contract.
package state
