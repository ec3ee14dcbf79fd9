package contract

import (
	"fmt"
)

// generatedPhase runs what follows the fixed cases: the corpus first, then the generated
// requests and their shrinking, or, with ReplayFailure, only the one case asked for. It
// returns the results to add to the report; replayOnly means they replace the fixed ones.
func (rn *run) generatedPhase() (info *GenerateInfo, results []Result, cases int, replayOnly bool) {
	s := rn.r.s
	info = &GenerateInfo{Seed: s.Seed, PerOperation: s.Generate, Budget: s.Budget, BudgetMS: s.Budget.Milliseconds(),
		CorpusFolder: s.Corpus, Replay: s.ReplayFailure, CorpusAdded: []string{}}
	if id := s.ReplayFailure; id != "" {
		results, info.ReplayFound = rn.replayOne(info, id)
		return info, results, 1, true
	}

	// The corpus first: every failure found once stays checked.
	byOp := map[*operation]*genAgg{}
	var corpusAggs []*genAgg
	for i, e := range rn.r.corpus {
		if rn.ctx.Err() != nil {
			break
		}
		a := byOp[e.g.op]
		if a == nil {
			a = newGenAgg(rn.newGenTemplate(e.g.op, "corpus"))
			byOp[e.g.op] = a
			corpusAggs = append(corpusAggs, a)
		}
		cr, _ := rn.evalGen(rn.ctx, a.tc, e.g)
		a.merge(cr, uint64(i)<<8, e.g, e.ID)
		info.CorpusRun++
	}
	for _, a := range corpusAggs {
		results = append(results, evaluatedOnly(a.results(s.Seed))...)
		cases++
	}
	if s.Generate == 0 {
		return info, results, cases, false
	}

	aggs := rn.generatePhase(info)
	rn.shrinkAll(aggs, info)
	var entries []*corpusEntry
	for _, a := range aggs {
		for _, c := range a.tc.checks {
			if gc := a.checks[c]; gc.minimal != nil {
				entries = append(entries, newCorpusEntry(c, gc.minimal.g, s.Seed))
			}
		}
		results = append(results, evaluatedOnly(a.results(s.Seed))...)
		cases++
	}
	if s.Corpus != "" {
		added, err := writeCorpus(s.Corpus, entries, s.Token)
		info.CorpusAdded = append(info.CorpusAdded, added...)
		if err != nil {
			info.Problems = append(info.Problems, scrub(err.Error(), s.Token))
		}
	}
	return info, results, cases, false
}

// evaluatedOnly drops the checks no request of the case reached.
func evaluatedOnly(in []Result) []Result {
	out := in[:0]
	for _, r := range in {
		if r.Outcome == Skipped && r.Reason == "no generated request reached this check" {
			continue
		}
		out = append(out, r)
	}
	return out
}

// replayOne re-runs the case id: from the corpus, or by generating again with the seed
// and shrinking until the same minimal request fails the same check.
func (rn *run) replayOne(info *GenerateInfo, id string) ([]Result, bool) {
	s := rn.r.s
	for _, e := range rn.r.corpus {
		if e.ID != id {
			continue
		}
		a := newGenAgg(rn.newGenTemplate(e.g.op, "replay"))
		cr, _ := rn.evalGen(rn.ctx, a.tc, e.g)
		a.merge(cr, 0, e.g, e.ID)
		info.CorpusRun = 1
		return evaluatedOnly(a.results(s.Seed)), true
	}
	if s.Generate > 0 {
		aggs := rn.generatePhase(info)
		rn.shrinkAll(aggs, info)
		for _, a := range aggs {
			for _, c := range a.tc.checks {
				gc := a.checks[c]
				if gc.minimal == nil || caseID(c, gc.minimal.g) != id {
					continue
				}
				for _, res := range a.results(s.Seed) {
					if res.Check == c {
						res.Case = a.tc.op.name + "/replay"
						return []Result{res}, true
					}
				}
			}
		}
	}
	where := fmt.Sprintf("generating %d requests per operation with seed %d", s.Generate, s.Seed)
	if s.Corpus != "" {
		where = "in the corpus " + s.Corpus + " or by " + where
	}
	return []Result{{Case: "replay/" + id, Check: CheckTransport, Outcome: Skipped,
		Reason: "case " + id + " was not found " + where + ": the failure is gone, or the run differs (seed, --generate, target)"}}, false
}
