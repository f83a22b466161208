// Package verify holds the verifiable rewards and metrics of every task.
package verify
