// Package train is MLE training of the world model: teacher forcing with
// response-only loss masks, validation, metrics and checkpoints.
package train
