// Package claims checks the prose of the teaching notebooks against the
// outputs saved under it, so that a notebook rerun with numbers that
// contradict its text fails `make test-notebooks` (and `go test ./...`).
//
// A sentence that states a result is either generated from the outputs
// above it (a cell that prints its own conclusion), or it is a Claim here:
// a phrase of the notebook's Markdown, the code cell whose output backs it
// (found by a phrase of its source, so that inserting cells does not move
// it), a regular expression over that cell's text output whose groups are
// numbers, and a check of those numbers. When the phrase is edited away the
// claim fails too, so prose and check change together.
//
// Each notebook has its own test file with its own table, in this form:
//
//	func TestNotebook02(t *testing.T) {
//		nb := Load(t, "02-textgame-rlvr")
//		nb.Check(t, []Claim{{
//			Prose:  "the ratio never leaves",
//			Cell:   "trainer.Train(",
//			Output: `clipped tokens ([0-9.]+)`,
//			Check:  Equal(0),
//		}})
//		nb.Ending(t) // a takeaway and three "try this" prompts
//	}
//
// Besides the tables, every notebook's saved charts are checked: each
// legend entry of the static SVG lies inside the picture.
package claims
