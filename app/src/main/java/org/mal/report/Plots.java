package org.mal.report;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** The charts of the reports, drawn with XChart and written as PNG (headless). */
public final class Plots {
    private Plots() {}

    static {
        System.setProperty("java.awt.headless", "true");
    }

    /** A line of a chart: a name, its points, and whether it is drawn as points only. */
    public record Line(String name, double[] x, double[] y, boolean pointsOnly) {
        public static Line of(String name, double[] x, double[] y) { return new Line(name, x, y, false); }
    }

    public static XYChart lines(String title, String xTitle, String yTitle, List<Line> lines) {
        XYChart c = new XYChartBuilder().width(900).height(520).title(title).xAxisTitle(xTitle).yAxisTitle(yTitle).build();
        c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        c.getStyler().setLegendLayout(Styler.LegendLayout.Horizontal);
        c.getStyler().setChartBackgroundColor(Color.WHITE);
        c.getStyler().setPlotGridLinesColor(new Color(225, 225, 225));
        c.getStyler().setChartTitleFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (Line l : lines) {
            for (double v : l.y()) {
                if (Double.isFinite(v)) {
                    lo = Math.min(lo, v);
                    hi = Math.max(hi, v);
                }
            }
        }
        if (lo <= hi) {   // XChart's own range can clip the highest point
            double pad = Math.max(1e-9, 0.05 * (hi - lo));
            c.getStyler().setYAxisMin(lo - pad);
            c.getStyler().setYAxisMax(hi + pad);
        }
        for (Line l : lines) {
            XYSeries s = c.addSeries(l.name(), l.x(), l.y());
            if (l.pointsOnly()) {
                s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
                s.setMarker(SeriesMarkers.DIAMOND);
            } else {
                s.setMarker(SeriesMarkers.CIRCLE);
            }
        }
        return c;
    }

    /**
     * A heat map with readable labels: rows × columns, the value printed in each cell (NaN cells are
     * left empty), colours from low (blue) through white to high (red).
     */
    public static HeatMapChart heatmap(String title, String xTitle, String yTitle, List<String> columns, List<String> rows, double[][] values,
                                       String pattern) {
        return heatmap(title, xTitle, yTitle, columns, rows, values, pattern, Double.NaN);
    }

    /** @param centre the value drawn white (the colour scale is made symmetric around it); NaN: the middle of the range */
    public static HeatMapChart heatmap(String title, String xTitle, String yTitle, List<String> columns, List<String> rows, double[][] values,
                                       String pattern, double centre) {
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (double[] row : values) {
            for (double v : row) {
                if (Double.isNaN(v)) continue;
                min = Math.min(min, v);
                max = Math.max(max, v);
            }
        }
        if (min > max) throw new IllegalArgumentException("a heat map needs at least one value: " + title);
        if (!Double.isNaN(centre)) {
            double half = Math.max(Math.abs(max - centre), Math.abs(centre - min));
            min = centre - half;
            max = centre + half;
        }
        return heatmap(title, xTitle, yTitle, columns, rows, values, pattern, min, max);
    }

    /**
     * The same with the colour scale's ends given (heat maps drawn side by side share one scale;
     * values outside are drawn in the end colours). Large maps (more than 12 columns or rows) get
     * smaller cells and no printed values.
     */
    public static HeatMapChart heatmap(String title, String xTitle, String yTitle, List<String> columns, List<String> rows, double[][] values,
                                       String pattern, double min, double max) {
        boolean large = columns.size() > 12 || rows.size() > 12;
        int cell = large ? 28 : 90;
        int rowCell = large ? 22 : 46;
        int longest = 0;
        for (String s : columns) longest = Math.max(longest, s.length());
        int rowLabel = 0;
        for (String s : rows) rowLabel = Math.max(rowLabel, s.length());
        int width = Math.max(720, 260 + rowLabel * 8 + columns.size() * cell);
        int height = Math.max(420, 200 + longest * 7 + rows.size() * rowCell);
        HeatMapChart c = new HeatMapChartBuilder().width(width).height(height).title(title).xAxisTitle(xTitle).yAxisTitle(yTitle).build();
        c.getStyler().setShowValue(!large);
        c.getStyler().setHeatMapValueDecimalPattern(pattern);
        c.getStyler().setXAxisLabelRotation(longest > 8 ? 60 : 0);
        // every row and column gets its label (XChart thins tick labels closer than the hint)
        c.getStyler().setXAxisTickMarkSpacingHint(8);
        c.getStyler().setYAxisTickMarkSpacingHint(8);
        c.getStyler().setAxisTickLabelsFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        c.getStyler().setAnnotationTextFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        c.getStyler().setLegendFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        c.getStyler().setChartBackgroundColor(Color.WHITE);
        c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        c.getStyler().setChartTitleFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
        c.getStyler().setRangeColors(new Color[] {new Color(49, 130, 189), new Color(247, 247, 247), new Color(222, 45, 38)});
        List<Number[]> cells = new ArrayList<>();
        for (int r = 0; r < rows.size(); r++) {
            for (int k = 0; k < columns.size(); k++) {
                double v = values[r][k];
                if (Double.isNaN(v)) continue;
                cells.add(new Number[] {k, r, Math.max(min, Math.min(max, v))});
            }
        }
        if (cells.isEmpty()) throw new IllegalArgumentException("a heat map needs at least one value: " + title);
        // round the colour scale's ends: the legend prints them as they are
        min = Math.floor(min * 100) / 100;
        max = Math.ceil(max * 100) / 100;
        c.getStyler().setMin(min);
        c.getStyler().setMax(max == min ? min + 0.01 : max);
        c.addSeries(title, columns, rows, cells);
        return c;
    }

    /**
     * Grouped bars: one group per category (x axis), one bar per series in each group; the y axis
     * spans the values with a little room (bars of close values would otherwise all look full).
     */
    public static CategoryChart bars(String title, String xTitle, String yTitle, List<String> categories, Map<String, double[]> series) {
        return bars(title, xTitle, yTitle, categories, series, null);
    }

    /** @param colours one per series, in order; null: XChart's */
    public static CategoryChart bars(String title, String xTitle, String yTitle, List<String> categories, Map<String, double[]> series,
                                     Color[] colours) {
        int longest = 0;
        for (String s : categories) longest = Math.max(longest, s.length());
        int width = Math.max(900, 200 + categories.size() * (40 + 14 * series.size()));
        CategoryChart c = new CategoryChartBuilder().width(width).height(560 + longest * 6).title(title).xAxisTitle(xTitle).yAxisTitle(yTitle)
                .build();
        c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        c.getStyler().setLegendLayout(Styler.LegendLayout.Horizontal);
        c.getStyler().setChartBackgroundColor(Color.WHITE);
        c.getStyler().setPlotGridLinesColor(new Color(225, 225, 225));
        c.getStyler().setChartTitleFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
        c.getStyler().setAxisTickLabelsFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        c.getStyler().setXAxisLabelRotation(longest > 10 ? 30 : 0);
        c.getStyler().setOverlapped(false);
        if (colours != null) {
            if (colours.length != series.size()) throw new IllegalArgumentException(colours.length + " colours for " + series.size() + " series");
            c.getStyler().setSeriesColors(colours);
        }
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (double[] ys : series.values()) {
            if (ys.length != categories.size()) throw new IllegalArgumentException("a value per category is needed, got " + ys.length);
            for (double v : ys) {
                if (Double.isFinite(v)) {
                    lo = Math.min(lo, v);
                    hi = Math.max(hi, v);
                }
            }
        }
        if (lo <= hi) {
            // round ends (to 5 units for a range over 10): the bars start at the axis, whose labels are round
            double step = hi - lo > 10 ? 5 : 1;
            c.getStyler().setYAxisMin(Math.floor((lo - 0.02 * (hi - lo)) / step) * step);
            c.getStyler().setYAxisMax(Math.ceil((hi + 0.02 * (hi - lo)) / step) * step);
        }
        for (Map.Entry<String, double[]> e : series.entrySet()) {
            List<Double> ys = new ArrayList<>();
            for (double v : e.getValue()) ys.add(Double.isFinite(v) ? v : null);   // a missing value leaves its bar out
            c.addSeries(e.getKey(), categories, ys);
        }
        return c;
    }

    public static void png(Chart<?, ?> chart, Path file) throws IOException {
        BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
    }

    /** Charts drawn side by side, top-aligned on white, into one PNG (e.g. one heat map per method). */
    public static void pngRow(List<? extends Chart<?, ?>> charts, Path file) throws IOException {
        if (charts.isEmpty()) throw new IllegalArgumentException("no charts to draw into " + file);
        List<BufferedImage> images = new ArrayList<>();
        int width = 0;
        int height = 0;
        for (Chart<?, ?> c : charts) {
            BufferedImage img = BitmapEncoder.getBufferedImage(c);
            images.add(img);
            width += img.getWidth();
            height = Math.max(height, img.getHeight());
        }
        BufferedImage row = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = row.createGraphics();
        try {
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, width, height);
            int x = 0;
            for (BufferedImage img : images) {
                g.drawImage(img, x, 0, null);
                x += img.getWidth();
            }
        } finally {
            g.dispose();
        }
        if (!ImageIO.write(row, "png", file.toFile())) throw new IOException("no PNG writer for " + file);
    }
}
