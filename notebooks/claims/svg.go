package claims

import (
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// charWidth is a generous width of one character of the SVG's 12-pixel
// sans-serif text, in pixels (stdlib/plot lays its legend out with 7).
const charWidth = 6.5

// SVGOverflow returns the texts of a static chart that start or, left
// aligned, end outside its width: a legend entry that fell off the
// picture. It returns an error for an SVG it cannot read.
func SVGOverflow(svg string) ([]string, error) {
	dec := xml.NewDecoder(strings.NewReader(svg))
	width := -1.0
	var out []string
	for {
		tok, err := dec.Token()
		if err != nil {
			if err == io.EOF {
				break
			}
			return nil, err
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		attr := map[string]string{}
		for _, a := range se.Attr {
			attr[a.Name.Local] = a.Value
		}
		switch se.Name.Local {
		case "svg":
			w, err := strconv.ParseFloat(attr["width"], 64)
			if err != nil {
				return nil, fmt.Errorf("svg width %q: %w", attr["width"], err)
			}
			width = w
		case "text":
			xs, ok := attr["x"]
			if !ok {
				continue // placed by a transform (the rotated y-axis name)
			}
			x, err := strconv.ParseFloat(xs, 64)
			if err != nil {
				return nil, fmt.Errorf("text x %q: %w", xs, err)
			}
			var body string
			if err := dec.DecodeElement(&body, &se); err != nil {
				return nil, err
			}
			end := x
			if attr["text-anchor"] == "" || attr["text-anchor"] == "start" {
				end = x + charWidth*float64(len([]rune(body)))
			}
			if x < 0 || x > width || end > width {
				out = append(out, fmt.Sprintf("%q at x=%g (width %g)", body, x, width))
			}
		}
	}
	if width < 0 {
		return nil, fmt.Errorf("no <svg> element")
	}
	return out, nil
}
