package claims

import (
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// charWidth is a generous width of one character of sans-serif text, as a
// share of its font size: 6.5 pixels at the charts' 12 (stdlib/plot lays its
// legend out with 7), 8.7 for a 16-pixel bold title.
const charWidth = 0.54

// SVGOverflow returns the texts of a static chart that start or, left
// aligned, end outside its width: a legend entry that fell off the
// picture. It returns an error for an SVG it cannot read.
func SVGOverflow(svg string) ([]string, error) {
	dec := xml.NewDecoder(strings.NewReader(svg))
	width, size := -1.0, 12.0 // the picture's width; the default font size
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
			if fs, err := strconv.ParseFloat(attr["font-size"], 64); err == nil {
				size = fs
			}
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
			fs := size
			if v, err := strconv.ParseFloat(attr["font-size"], 64); err == nil {
				fs = v
			}
			end := x
			if attr["text-anchor"] == "" || attr["text-anchor"] == "start" {
				end = x + charWidth*fs*float64(len([]rune(body)))
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
