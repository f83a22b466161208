// Package textgame simulates small household and science text games and
// generates state-prediction datasets (the ByteSized32 analogue).
package textgame
