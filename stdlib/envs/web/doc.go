// Package web simulates a small website rendered as accessibility trees and
// generates page-transition datasets (the WebArena analogue).
package web
