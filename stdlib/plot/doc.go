// Package plot builds charts with go-echarts that render interactively in the
// playground and as static images elsewhere.
package plot
