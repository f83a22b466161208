// Package web simulates a small website rendered as accessibility trees and
// generates page-transition datasets (the WebArena analogue).
//
// A Site holds a shop (search, results, category, product, cart and
// checkout pages), a forum with threads and a settings form; a Browser
// visits it with the actions `click [id]`, `type [id] "text"`, `scroll
// down`, `scroll up` and `go_back`. Every page line reads `[id] role 'text'
// attrs`; a page visit numbers its new elements in order, so ids are
// deterministic.
//
// A prompt is the URL, the objective, the previous action, the tree and the
// action; the response lists the `New items:`, `Deleted items:` and
// `Updated items:` lines (or `None`). The reward is the F1 of exact line
// matches over the three sections.
//
// For the model-predictive-control agent: Goals lists a site's goals (such
// as "add the cheapest mug to the cart"), Goal.Success checks a browser's
// state, Browser.Candidates proposes actions, Task.Prompt builds the world
// model's prompt for one, and ApplySections with Goal.Progress score the
// predicted page.
package web
