package main

import (
	"fmt"
	"image/color"
	"io"
	"math"
	"os"
	"strings"

	"github.com/nanoq/nq/bench/harness"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// palette gives each transport column its color, in transportOrder.
var palette = map[string]color.Color{
	"nanoq":      color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff},
	"nanoq-seed": color.RGBA{R: 0x9e, G: 0xc9, B: 0xe9, A: 0xff},
	"zmq":        color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff},
	"nats":       color.RGBA{R: 0x2c, G: 0xa0, B: 0x2c, A: 0xff},
	"go":         color.RGBA{R: 0x7f, G: 0x7f, B: 0x7f, A: 0xff},
}

func colorOf(name string) color.Color {
	if c, ok := palette[name]; ok {
		return c
	}
	return color.Black
}

// writeCharts writes prefix-throughput.svg (or .png, by format) (one panel per throughput or
// bandwidth row, a bar per transport) and, when the latency row ran,
// prefix-latency.svg (each transport's latency percentile curve). It
// returns the files written.
func writeCharts(prefix, format string, rows []row, ts []transport, results [][]outcome) ([]string, error) {
	var files []string
	var panels []*plot.Plot
	for ri, r := range rows {
		if r.kind != kindThroughput && r.kind != kindBandwidth {
			continue
		}
		p, err := throughputPanel(r, ts, results[ri])
		if err != nil {
			return files, err
		}
		panels = append(panels, p)
	}
	if len(panels) > 0 {
		name := prefix + "-throughput." + format
		cols := min(len(panels), 2)
		rowsN := (len(panels) + cols - 1) / cols
		if err := saveTiles(name, panels, rowsN, cols, vg.Length(cols)*9*vg.Centimeter, vg.Length(rowsN)*7*vg.Centimeter); err != nil {
			return files, err
		}
		files = append(files, name)
	}
	for ri, r := range rows {
		if r.kind != kindLatency {
			continue
		}
		p, err := latencyPlot(r, ts, results[ri])
		if err != nil {
			return files, err
		}
		name := prefix + "-latency." + format // the first latency row; others by id
		if r.id != "latency" {
			name = prefix + "-" + r.id + "." + format
		}
		if err := saveTiles(name, []*plot.Plot{p}, 1, 1, 16*vg.Centimeter, 10*vg.Centimeter); err != nil {
			return files, err
		}
		files = append(files, name)
	}
	return files, nil
}

// throughputPanel is one row's bars: msgs/s received (MB/s for a
// bandwidth row) per transport; a transport without a result has no bar.
func throughputPanel(r row, ts []transport, outs []outcome) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = r.title
	unit, scale := "M msgs/s", 1e-6
	if r.kind == kindBandwidth {
		unit, scale = "MB/s", 1
	}
	p.Y.Label.Text = unit + " received"
	p.Add(plotter.NewGrid())
	names := make([]string, len(ts))
	var labels plotter.XYLabels
	top := 0.0
	for i, t := range ts {
		names[i] = t.name
		o := outs[i]
		if o.sub == nil || o.err != nil {
			continue
		}
		v := o.sub.MsgsPerS * scale
		if r.kind == kindBandwidth {
			v = o.sub.MBPerS
		}
		bar, err := plotter.NewBarChart(plotter.Values{v}, vg.Points(22))
		if err != nil {
			return nil, fmt.Errorf("chart %s %s: %w", r.id, t.name, err)
		}
		bar.XMin = float64(i)
		bar.Color = colorOf(t.name)
		bar.LineStyle.Width = 0
		p.Add(bar)
		labels.XYs = append(labels.XYs, plotter.XY{X: float64(i), Y: v})
		labels.Labels = append(labels.Labels, formatBar(v, r.kind))
		top = max(top, v)
	}
	if len(labels.XYs) > 0 {
		l, err := plotter.NewLabels(labels)
		if err != nil {
			return nil, err
		}
		for i := range l.TextStyle {
			l.TextStyle[i].XAlign, l.TextStyle[i].YAlign = draw.XCenter, draw.YBottom
		}
		p.Add(l)
	}
	p.NominalX(names...)
	p.X.Min, p.X.Max = -0.6, float64(len(ts))-0.4
	p.Y.Min, p.Y.Max = 0, top*1.15
	p.X.Tick.Label.Rotation = math.Pi / 6
	p.X.Tick.Label.XAlign = draw.XRight
	return p, nil
}

// formatBar is a bar's label: M msgs/s with 2 decimals, or whole MB/s.
func formatBar(v float64, k kind) string {
	if k == kindBandwidth {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.2f", v)
}

// percentiles are the points of a latency curve: x is 1/(1-p), the
// spacing of HdrHistogram's percentile plots.
var percentiles = []struct {
	label string
	x     float64
	value func(l harness.Latency) float64
}{
	{"50%", 2, func(l harness.Latency) float64 { return l.P50 }},
	{"90%", 10, func(l harness.Latency) float64 { return l.P90 }},
	{"99%", 100, func(l harness.Latency) float64 { return l.P99 }},
	{"99.9%", 1000, func(l harness.Latency) float64 { return l.P999 }},
	{"99.99%", 10000, func(l harness.Latency) float64 { return l.P9999 }},
}

// latencyPlot draws each transport's percentile curve for the latency row,
// both axes logarithmic. Percentiles a result lacks (0) are left out.
func latencyPlot(r row, ts []transport, outs []outcome) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = r.title + ", by percentile"
	p.X.Label.Text = "percentile"
	p.Y.Label.Text = "latency µs"
	p.X.Scale, p.Y.Scale = plot.LogScale{}, plot.LogScale{}
	var ticks []plot.Tick
	for _, pc := range percentiles {
		ticks = append(ticks, plot.Tick{Value: pc.x, Label: pc.label})
	}
	p.X.Tick.Marker = plot.ConstantTicks(ticks)
	p.Y.Tick.Marker = plot.LogTicks{Prec: -1}
	p.Legend.Top, p.Legend.Left = true, true
	p.Legend.XOffs, p.Legend.YOffs = vg.Millimeter*4, -vg.Millimeter*2
	p.Add(plotter.NewGrid())
	lines := 0
	for i, t := range ts {
		o := outs[i]
		if o.sub == nil || o.err != nil {
			continue
		}
		var xys plotter.XYs
		for _, pc := range percentiles {
			if v := pc.value(o.sub.LatencyUS); v > 0 {
				xys = append(xys, plotter.XY{X: pc.x, Y: v})
			}
		}
		if len(xys) == 0 {
			continue
		}
		l, pts, err := plotter.NewLinePoints(xys)
		if err != nil {
			return nil, fmt.Errorf("chart latency %s: %w", t.name, err)
		}
		l.Color, pts.Color = colorOf(t.name), colorOf(t.name)
		l.Width = vg.Points(1.5)
		p.Add(l, pts)
		p.Legend.Add(t.name, l, pts)
		lines++
	}
	if lines == 0 {
		return nil, fmt.Errorf("chart %s: no latency result", r.id)
	}
	p.X.Min, p.X.Max = 1.5, 15000
	return p, nil
}

// saveTiles draws panels on a rows × cols grid into an SVG or PNG file
// (by name's extension).
func saveTiles(name string, panels []*plot.Plot, rows, cols int, w, h vg.Length) error {
	var c interface {
		vg.CanvasSizer
		io.WriterTo
	}
	if strings.HasSuffix(name, ".png") {
		c = vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(144))}
	} else {
		c = vgsvg.New(w, h)
	}
	dc := draw.New(c)
	grid := make([][]*plot.Plot, rows)
	for i := range grid {
		grid[i] = make([]*plot.Plot, cols)
		for j := range grid[i] {
			if k := i*cols + j; k < len(panels) {
				grid[i][j] = panels[k]
			}
		}
	}
	canvases := plot.Align(grid, draw.Tiles{Rows: rows, Cols: cols, PadX: vg.Millimeter * 4, PadY: vg.Millimeter * 4,
		PadTop: vg.Millimeter * 2, PadBottom: vg.Millimeter * 2, PadLeft: vg.Millimeter * 2, PadRight: vg.Millimeter * 2}, dc)
	for i := range grid {
		for j, p := range grid[i] {
			if p != nil {
				p.Draw(canvases[i][j])
			}
		}
	}
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	if _, err := c.WriteTo(f); err != nil {
		f.Close()
		return fmt.Errorf("chart %s: %w", name, err)
	}
	return f.Close()
}
