// Package train is MLE training of the world model: teacher forcing on
// (prompt, response) token sequences with response-only loss masks,
// validation loss, metrics through a callback (for live charts), prompt
// cancellation, and checkpoint/resume. Notebooks import it as "rlvr/train".
//
//	res, err := train.MLE(ctx, model, trainSeqs, valSeqs, train.Options{
//		Steps: 500, BatchSize: 16, LR: 1e-3, WarmupSteps: 20, EvalEvery: 50,
//		OnMetrics: func(m train.Metrics) { fmt.Println(m.Step, m.Loss) },
//	})
//
// Pack is the packing the GRPO trainer shares: sequences into an nn.Batch
// plus a mask that is 1 where the target is a response token.
package train
