package state

import (
	"encoding/json"
	"fmt"
)

// Action is one of the lifecycle actions the official SDK performs.
type Action string

// The actions, named after the last element of their path.
const (
	Accept        Action = "accept"
	Reject        Action = "reject"
	CancelReject  Action = "cancel_reject"
	Request       Action = "request"
	CancelRequest Action = "cancel_request"
	Remove        Action = "remove"
	MarkSeen      Action = "mark_seen"
)

// Actions lists every action, in the order of the documentation.
var Actions = []Action{Accept, Reject, CancelReject, Request, CancelRequest, Remove, MarkSeen}

// valid reports whether a is a known action.
func (a Action) valid() bool {
	for _, b := range Actions {
		if a == b {
			return true
		}
	}
	return false
}

// Transition is one recorded action: By (the caller) did Action on User (the path id).
// Seq numbers the transitions of a session from 1; its time is the clock's time of Seq.
type Transition struct {
	Seq    int64  `json:"seq"`
	Action Action `json:"action"`
	By     int64  `json:"by"`
	User   int64  `json:"user"`
}

// encode writes t as the compact JSON the stores keep.
func (t Transition) encode() []byte {
	b, _ := json.Marshal(t) // a struct of ints and a string: cannot fail
	return b
}

// decodeTransition reads what encode wrote, checking every field.
func decodeTransition(b []byte) (Transition, error) {
	var t Transition
	if err := json.Unmarshal(b, &t); err != nil {
		return t, fmt.Errorf("decode transition %.80q: %w", b, err)
	}
	if t.Seq < 1 || !t.Action.valid() || t.By < 1 || t.User < 1 {
		return t, fmt.Errorf("decode transition %.80q: want seq, a known action, by and user ≥ 1", b)
	}
	return t, nil
}
