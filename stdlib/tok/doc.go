// Package tok holds the tokenizers: a text vocabulary and a k-means codebook
// over image patches for video frames. Notebooks import it as "rlvr/tok".
package tok
