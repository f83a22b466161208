// Package gpu defines the compute backend interface for the world model's hot
// operations and selects a backend at start-up. The default is the CPU backend.
package gpu
