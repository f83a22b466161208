package web

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
)

// Product is one item of the shop's catalogue.
type Product struct {
	ID    int
	Color string
	Kind  string
	Price int
}

// Title is the product's display name, for example "red mug".
func (p Product) Title() string { return p.Color + " " + p.Kind }

// Thread is one forum thread.
type Thread struct {
	ID    int
	Title string
	Posts []string // "user: text"
}

// Site is the content of one simulated website: a shop catalogue and a
// forum, drawn from a seed.
type Site struct {
	Products []Product
	Threads  []Thread
}

// The closed vocabulary of the site.
var (
	colors = []string{"red", "blue", "green", "black", "white", "yellow"}
	kinds  = []string{"mug", "lamp", "shirt", "book", "bag", "hat", "chair", "clock"}
	topics = []string{"shipping times", "best mug", "lamp repair", "hat sizes", "gift ideas", "return policy", "chair colors", "clock battery"}
	users  = []string{"ann", "bob", "cai", "dee", "eli"}
	posts  = []string{"any tips", "works for me", "same here", "thanks a lot", "try the blue one", "it took two days", "great idea", "not sure"}
	// typed texts the data policy uses (searches come from colors and kinds)
	names     = []string{"ann lee", "bob kim", "cai wu"}
	addresses = []string{"1 oak st", "2 elm rd", "3 pine ave"}
	replies   = []string{"thanks", "same here", "great idea", "works for me"}
	themes    = []string{"light", "dark", "blue"}
)

// heldoutCombo reports whether a colour and kind pair is reserved for the
// heldout split (never in a train, val or test catalogue).
func heldoutCombo(ci, ki int) bool { return (ci*3+ki)%5 == 0 }

// NewSite draws a site: 6 to 9 products and 3 to 4 threads. A heldout site
// sells only the reserved colour-kind pairs and discusses the topics the
// other splits never see.
func NewSite(seed int64, heldout bool) *Site {
	r := rand.New(rand.NewPCG(uint64(seed), 0x5173))
	var combos [][2]int
	for ci := range colors {
		for ki := range kinds {
			if heldoutCombo(ci, ki) == heldout {
				combos = append(combos, [2]int{ci, ki})
			}
		}
	}
	r.Shuffle(len(combos), func(i, j int) { combos[i], combos[j] = combos[j], combos[i] })
	s := &Site{}
	n := 6 + r.IntN(4)
	for i := 0; i < n && i < len(combos); i++ {
		c := combos[i]
		s.Products = append(s.Products, Product{ID: i + 1, Color: colors[c[0]], Kind: kinds[c[1]], Price: 3 + r.IntN(57)})
	}
	// Two of a kind in different colours and prices make "cheapest" goals
	// meaningful: duplicate a kind with another colour.
	if len(s.Products) > 0 {
		p := s.Products[r.IntN(len(s.Products))]
		for _, col := range colors {
			ci := indexOf(colors, col)
			if col != p.Color && heldoutCombo(ci, indexOf(kinds, p.Kind)) == heldout && s.find(col, p.Kind) < 0 {
				s.Products = append(s.Products, Product{ID: len(s.Products) + 1, Color: col, Kind: p.Kind, Price: 3 + r.IntN(57)})
				break
			}
		}
	}
	tps := topics[:6]
	if heldout {
		tps = topics[6:]
	}
	nt := 3 + r.IntN(2)
	if nt > len(tps) {
		nt = len(tps)
	}
	perm := r.Perm(len(tps))
	for i := 0; i < nt; i++ {
		th := Thread{ID: i + 1, Title: tps[perm[i]]}
		np := 1 + r.IntN(3)
		for j := 0; j < np; j++ {
			th.Posts = append(th.Posts, users[r.IntN(len(users))]+": "+posts[r.IntN(len(posts))])
		}
		s.Threads = append(s.Threads, th)
	}
	return s
}

func indexOf(xs []string, x string) int {
	for i, y := range xs {
		if y == x {
			return i
		}
	}
	return -1
}

func (s *Site) find(color, kind string) int {
	for i, p := range s.Products {
		if p.Color == color && p.Kind == kind {
			return i
		}
	}
	return -1
}

// Item is one line of an accessibility tree: `[id] role 'text' attrs`.
type Item struct {
	ID    int
	Role  string
	Text  string
	Attrs string
	// key names the element within its page (stable across updates), and
	// act says what clicking it does.
	key string
	act string
}

// Line is the item's tree line.
func (it Item) Line() string {
	l := "[" + strconv.Itoa(it.ID) + "] " + it.Role + " '" + it.Text + "'"
	if it.Attrs != "" {
		l += " " + it.Attrs
	}
	return l
}

// page is one visit of a URL: its own ids, scroll offset and typed values.
type page struct {
	url    string
	ids    map[string]int    // element key -> id, for this visit
	values map[string]string // typed values by element key
	offset int               // scroll offset of the page's list
	alert  string
	sortBy bool // results sorted by price
}

// CartLine is one product in the cart.
type CartLine struct {
	Product int // index in Site.Products
	Qty     int
}

// Browser is a session on a site: the current page, the history for
// go_back, the cart, the settings and what was posted. It is deterministic:
// the same actions give the same trees and ids.
type Browser struct {
	site    *Site
	cur     *page
	history []string
	nextID  int
	items   []Item

	Cart []CartLine
	// Orders lists placed orders (each a copy of the cart).
	Orders [][]CartLine
	// Settings saved: email alerts, theme, display name.
	EmailAlerts bool
	Theme       string
	DisplayName string
	// Posted lists the replies the user posted, as "thread id: text".
	Posted []string
	// threads holds the forum posts including the user's.
	threads [][]string
	// form holds unsaved settings.
	formAlerts bool
	formTheme  string
}

// header ids are fixed: the site's navigation bar is on every page.
const firstPageID = 5

// NewBrowser opens a site at its home page.
func NewBrowser(site *Site) *Browser {
	b := &Browser{site: site, nextID: firstPageID, EmailAlerts: true, Theme: "light"}
	for _, t := range site.Threads {
		b.threads = append(b.threads, append([]string(nil), t.Posts...))
	}
	b.visit("/")
	return b
}

// Site returns the browser's site.
func (b *Browser) Site() *Site { return b.site }

// URL is the current page's address.
func (b *Browser) URL() string { return b.cur.url }

// Items returns the current tree's items.
func (b *Browser) Items() []Item { return append([]Item(nil), b.items...) }

// Tree is the current accessibility tree, one line per item.
func (b *Browser) Tree() string {
	var s strings.Builder
	for i, it := range b.items {
		if i > 0 {
			s.WriteByte('\n')
		}
		s.WriteString(it.Line())
	}
	return s.String()
}

// Clone returns an independent copy of the session (the site is shared:
// it never changes).
func (b *Browser) Clone() *Browser {
	c := *b
	p := *b.cur
	p.ids = make(map[string]int, len(b.cur.ids))
	for k, v := range b.cur.ids {
		p.ids[k] = v
	}
	p.values = make(map[string]string, len(b.cur.values))
	for k, v := range b.cur.values {
		p.values[k] = v
	}
	c.cur = &p
	c.history = append([]string(nil), b.history...)
	c.items = append([]Item(nil), b.items...)
	c.Cart = append([]CartLine(nil), b.Cart...)
	c.Orders = append([][]CartLine(nil), b.Orders...)
	c.Posted = append([]string(nil), b.Posted...)
	c.threads = make([][]string, len(b.threads))
	for i, t := range b.threads {
		c.threads[i] = append([]string(nil), t...)
	}
	return &c
}

// visit opens url as a new page visit (new ids for every page element).
func (b *Browser) visit(url string) {
	b.cur = &page{url: url, ids: map[string]int{}, values: map[string]string{}}
	if url == "/settings" {
		b.formAlerts, b.formTheme = b.EmailAlerts, b.Theme
		b.cur.values["name"] = b.DisplayName
	}
	b.render()
}

func (b *Browser) navigate(url string) {
	b.history = append(b.history, b.cur.url)
	b.visit(url)
}

// render rebuilds the tree of the current page, keeping the ids of elements
// that were already shown in this visit and numbering new ones in order.
func (b *Browser) render() {
	els := b.elements()
	b.items = b.items[:0:0]
	for _, e := range els {
		id, ok := b.cur.ids[e.key]
		if !ok {
			if strings.HasPrefix(e.key, "hdr:") {
				id = headerID(e.key)
			} else {
				id = b.nextID
				b.nextID++
			}
			b.cur.ids[e.key] = id
		}
		e.ID = id
		b.items = append(b.items, e)
	}
}

func headerID(key string) int {
	switch key {
	case "hdr:shop":
		return 1
	case "hdr:forum":
		return 2
	case "hdr:settings":
		return 3
	}
	return 4
}

const window = 3 // list items shown at once; scrolling moves the window

func (b *Browser) cartCount() int {
	n := 0
	for _, l := range b.Cart {
		n += l.Qty
	}
	return n
}

// elements lists the current page's elements (without ids).
func (b *Browser) elements() []Item {
	els := []Item{
		{key: "hdr:shop", Role: "link", Text: "Shop", act: "go:/"},
		{key: "hdr:forum", Role: "link", Text: "Forum", act: "go:/forum"},
		{key: "hdr:settings", Role: "link", Text: "Settings", act: "go:/settings"},
		{key: "hdr:cart", Role: "link", Text: "Cart (" + strconv.Itoa(b.cartCount()) + ")", act: "go:/cart"},
	}
	add := func(key, role, text, attrs, act string) {
		els = append(els, Item{key: key, Role: role, Text: text, Attrs: attrs, act: act})
	}
	valueAttr := func(key string) string {
		if v := b.cur.values[key]; v != "" {
			return "value='" + v + "'"
		}
		return ""
	}
	u := b.cur.url
	switch {
	case u == "/":
		add("search", "searchbox", "Search", valueAttr("search"), "type")
		add("go", "button", "Go", "", "search")
		seen := map[string]bool{}
		for _, p := range b.site.Products {
			if !seen[p.Kind] {
				seen[p.Kind] = true
			}
		}
		var ks []string
		for k := range seen {
			ks = append(ks, k)
		}
		sort.Strings(ks)
		b.list(&els, len(ks), func(i int) Item {
			return Item{key: "cat:" + ks[i], Role: "link", Text: ks[i] + "s", act: "go:/c/" + ks[i]}
		})
	case strings.HasPrefix(u, "/search?q=") || strings.HasPrefix(u, "/c/"):
		var ps []int
		var title string
		if strings.HasPrefix(u, "/c/") {
			kind := u[3:]
			title = kind + "s"
			for i, p := range b.site.Products {
				if p.Kind == kind {
					ps = append(ps, i)
				}
			}
		} else {
			q := strings.ReplaceAll(u[len("/search?q="):], "+", " ")
			title = "results for " + q
			for i, p := range b.site.Products {
				if matches(p, q) {
					ps = append(ps, i)
				}
			}
		}
		if b.cur.sortBy {
			sort.SliceStable(ps, func(i, j int) bool { return b.site.Products[ps[i]].Price < b.site.Products[ps[j]].Price })
		}
		add("h", "heading", title, "", "")
		sortAttr := ""
		if b.cur.sortBy {
			sortAttr = "pressed"
		}
		add("sort", "button", "Sort by price", sortAttr, "sort")
		if len(ps) == 0 {
			add("none", "text", "No results", "", "")
		}
		b.list(&els, len(ps), func(i int) Item {
			p := b.site.Products[ps[i]]
			return Item{key: "p:" + strconv.Itoa(p.ID), Role: "link", Text: p.Title() + " $" + strconv.Itoa(p.Price), act: "go:/p/" + strconv.Itoa(p.ID)}
		})
	case strings.HasPrefix(u, "/p/"):
		id, _ := strconv.Atoi(u[3:])
		p := b.site.Products[id-1]
		add("h", "heading", p.Title(), "", "")
		add("price", "text", "$"+strconv.Itoa(p.Price), "", "")
		qty := b.cur.values["qty"]
		if qty == "" {
			qty = "1"
		}
		add("qty", "spinbutton", "Qty", "value='"+qty+"'", "type")
		add("add", "button", "Add to cart", "", "add:"+strconv.Itoa(id-1))
	case u == "/cart":
		add("h", "heading", "Cart", "", "")
		total := 0
		for i, l := range b.Cart {
			p := b.site.Products[l.Product]
			total += p.Price * l.Qty
			k := strconv.Itoa(p.ID)
			add("row:"+k, "text", p.Title()+" x"+strconv.Itoa(l.Qty), "", "")
			add("rm:"+k, "button", "Remove", "", "remove:"+strconv.Itoa(i))
		}
		add("total", "text", "Total $"+strconv.Itoa(total), "", "")
		if len(b.Cart) > 0 {
			add("checkout", "button", "Checkout", "", "go:/checkout")
		}
	case u == "/checkout":
		add("h", "heading", "Checkout", "", "")
		add("name", "textbox", "Name", valueAttr("name"), "type")
		add("addr", "textbox", "Address", valueAttr("addr"), "type")
		add("place", "button", "Place order", "", "order")
	case u == "/forum":
		add("h", "heading", "Forum", "", "")
		b.list(&els, len(b.site.Threads), func(i int) Item {
			t := b.site.Threads[i]
			return Item{key: "t:" + strconv.Itoa(t.ID), Role: "link", Text: t.Title + " (" + strconv.Itoa(len(b.threads[i])) + ")", act: "go:/t/" + strconv.Itoa(t.ID)}
		})
	case strings.HasPrefix(u, "/t/"):
		id, _ := strconv.Atoi(u[3:])
		t := b.site.Threads[id-1]
		add("h", "heading", t.Title, "", "")
		for j, post := range b.threads[id-1] {
			add("post:"+strconv.Itoa(j), "text", post, "", "")
		}
		add("reply", "textbox", "Reply", valueAttr("reply"), "type")
		add("post", "button", "Post", "", "post:"+strconv.Itoa(id-1))
	case u == "/settings":
		add("h", "heading", "Settings", "", "")
		alerts := ""
		if b.formAlerts {
			alerts = "checked"
		}
		add("alerts", "checkbox", "Email alerts", alerts, "toggle")
		add("theme", "combobox", "Theme", "value='"+b.formTheme+"'", "theme")
		add("name", "textbox", "Display name", valueAttr("name"), "type")
		add("save", "button", "Save", "", "save")
	}
	if b.cur.alert != "" {
		add("alert", "alert", b.cur.alert, "", "")
	}
	return els
}

// list adds the visible window of a scrolled list of n elements.
func (b *Browser) list(els *[]Item, n int, item func(i int) Item) {
	if b.cur.offset > n-1 {
		b.cur.offset = 0
	}
	for i := b.cur.offset; i < n && i < b.cur.offset+window; i++ {
		*els = append(*els, item(i))
	}
}

func (b *Browser) listLen() int {
	u := b.cur.url
	switch {
	case u == "/":
		seen := map[string]bool{}
		for _, p := range b.site.Products {
			seen[p.Kind] = true
		}
		return len(seen)
	case strings.HasPrefix(u, "/c/"):
		n := 0
		for _, p := range b.site.Products {
			if p.Kind == u[3:] {
				n++
			}
		}
		return n
	case strings.HasPrefix(u, "/search?q="):
		q := strings.ReplaceAll(u[len("/search?q="):], "+", " ")
		n := 0
		for _, p := range b.site.Products {
			if matches(p, q) {
				n++
			}
		}
		return n
	case u == "/forum":
		return len(b.site.Threads)
	}
	return 0
}

// matches reports whether every word of the query names the product's
// colour or kind (plurals allowed).
func matches(p Product, q string) bool {
	words := strings.Fields(q)
	if len(words) == 0 {
		return false
	}
	for _, w := range words {
		w = strings.TrimSuffix(w, "s")
		if w != p.Color && w != p.Kind {
			return false
		}
	}
	return true
}

// Step performs an action: `click [id]`, `type [id] "text"`, `scroll down`,
// `scroll up` or `go_back`. It reports whether the action did anything; an
// invalid action leaves the page unchanged.
func (b *Browser) Step(action string) bool {
	a := strings.TrimSpace(action)
	switch {
	case a == "go_back":
		if len(b.history) == 0 {
			return false
		}
		u := b.history[len(b.history)-1]
		b.history = b.history[:len(b.history)-1]
		b.visit(u)
		return true
	case a == "scroll down" || a == "scroll up":
		n := b.listLen()
		off := b.cur.offset
		if a == "scroll down" {
			off += window
		} else {
			off -= window
		}
		if off < 0 || off >= n || off == b.cur.offset {
			return false
		}
		b.cur.offset = off
		b.render()
		return true
	case strings.HasPrefix(a, "click ["):
		it, ok := b.itemAt(a[len("click "):])
		if !ok {
			return false
		}
		return b.click(it)
	case strings.HasPrefix(a, "type ["):
		rest := a[len("type "):]
		end := strings.IndexByte(rest, ']')
		if end < 0 {
			return false
		}
		it, ok := b.itemAt(rest[:end+1])
		text := strings.TrimSpace(rest[end+1:])
		if !ok || len(text) < 2 || text[0] != '"' || text[len(text)-1] != '"' || it.act != "type" {
			return false
		}
		text = text[1 : len(text)-1]
		if strings.ContainsAny(text, "'\n") {
			return false
		}
		key := it.key
		if key == "qty" {
			if n, err := strconv.Atoi(text); err != nil || n < 1 || n > 9 {
				return false
			}
		}
		if b.cur.values[key] == text {
			return false
		}
		b.cur.values[key] = text
		b.render()
		return true
	}
	return false
}

func (b *Browser) itemAt(ref string) (Item, bool) {
	if len(ref) < 3 || ref[0] != '[' || ref[len(ref)-1] != ']' {
		return Item{}, false
	}
	id, err := strconv.Atoi(ref[1 : len(ref)-1])
	if err != nil {
		return Item{}, false
	}
	for _, it := range b.items {
		if it.ID == id {
			return it, true
		}
	}
	return Item{}, false
}

func (b *Browser) setAlert(s string) bool {
	changedAlert := b.cur.alert != s
	b.cur.alert = s
	return changedAlert
}

func (b *Browser) click(it Item) bool {
	act := it.act
	switch {
	case act == "" || act == "type":
		return false
	case strings.HasPrefix(act, "go:"):
		b.navigate(act[3:])
		return true
	case act == "search":
		q := strings.Join(strings.Fields(b.cur.values["search"]), "+")
		if q == "" {
			return false
		}
		b.navigate("/search?q=" + q)
		return true
	case act == "sort":
		b.cur.sortBy = !b.cur.sortBy
		b.cur.offset = 0
	case strings.HasPrefix(act, "add:"):
		pi, _ := strconv.Atoi(act[4:])
		qty, _ := strconv.Atoi(b.cur.values["qty"])
		if qty < 1 {
			qty = 1
		}
		found := false
		for i := range b.Cart {
			if b.Cart[i].Product == pi {
				b.Cart[i].Qty += qty
				found = true
			}
		}
		if !found {
			b.Cart = append(b.Cart, CartLine{Product: pi, Qty: qty})
		}
		b.cur.alert = "Added to cart"
	case strings.HasPrefix(act, "remove:"):
		i, _ := strconv.Atoi(act[7:])
		if i >= len(b.Cart) {
			return false
		}
		b.Cart = append(b.Cart[:i], b.Cart[i+1:]...)
	case act == "order":
		if b.cur.values["name"] == "" || b.cur.values["addr"] == "" {
			if !b.setAlert("Fill in all fields") {
				return false
			}
		} else {
			b.Orders = append(b.Orders, append([]CartLine(nil), b.Cart...))
			b.Cart = nil
			b.cur.values = map[string]string{}
			b.cur.alert = "Order placed"
		}
	case strings.HasPrefix(act, "post:"):
		ti, _ := strconv.Atoi(act[5:])
		text := b.cur.values["reply"]
		if text == "" {
			return false
		}
		b.threads[ti] = append(b.threads[ti], "you: "+text)
		b.Posted = append(b.Posted, strconv.Itoa(ti+1)+": "+text)
		delete(b.cur.values, "reply")
	case act == "toggle":
		b.formAlerts = !b.formAlerts
	case act == "theme":
		b.formTheme = themes[(indexOf(themes, b.formTheme)+1)%len(themes)]
	case act == "save":
		if b.EmailAlerts == b.formAlerts && b.Theme == b.formTheme && b.DisplayName == b.cur.values["name"] && b.cur.alert == "Saved" {
			return false
		}
		b.EmailAlerts, b.Theme, b.DisplayName = b.formAlerts, b.formTheme, b.cur.values["name"]
		b.cur.alert = "Saved"
	default:
		return false
	}
	b.render()
	return true
}

// Candidates lists actions worth trying on the current page: clicking each
// clickable item, typing plausible texts into each field, scrolling and
// going back. The web agent of the trainer scores each with the world model.
func (b *Browser) Candidates() []string {
	var out []string
	for _, it := range b.items {
		switch {
		case it.act == "type":
			for _, t := range b.typeTexts(it.key) {
				out = append(out, fmt.Sprintf("type [%d] %q", it.ID, t))
			}
		case it.act != "":
			out = append(out, fmt.Sprintf("click [%d]", it.ID))
		}
	}
	out = append(out, "scroll down", "scroll up")
	if len(b.history) > 0 {
		out = append(out, "go_back")
	}
	return out
}

// typeTexts are the texts the policy and the agent type into a field.
func (b *Browser) typeTexts(key string) []string {
	switch key {
	case "search":
		var out []string
		seen := map[string]bool{}
		for _, p := range b.site.Products {
			for _, q := range []string{p.Kind, p.Title()} {
				if !seen[q] {
					seen[q] = true
					out = append(out, q)
				}
			}
		}
		return out
	case "qty":
		return []string{"1", "2", "3"}
	case "name":
		if b.cur.url == "/settings" {
			return []string{"ann", "bob"}
		}
		return names
	case "addr":
		return addresses
	case "reply":
		return replies
	}
	return nil
}
