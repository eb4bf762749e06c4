package dev.sfere.bench.report;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.Stroke;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/** Small charts drawn with Java2D, headless: lines on log-log or linear axes, and grouped bars. */
final class Charts {

    static final Color[] PALETTE = {new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c),
        new Color(0x9467bd), new Color(0xff7f0e), new Color(0x8c564b)};

    private static final int WIDTH = 1000;
    private static final int HEIGHT = 640;
    private static final int LEFT = 90;
    private static final int RIGHT = 290;
    private static final int TOP = 60;
    private static final int BOTTOM = 70;

    private Charts() {
    }

    /** One line of a chart; {@code marks} puts a dot on each point (off for a fitted line). */
    record Series(String label, Color color, boolean dashed, boolean marks, double[] x, double[] y) {
    }

    /** One group of bars: a label under it and one value per bar. */
    record Group(String label, double[] values) {
    }

    static void logLog(Path file, String title, String xLabel, String yLabel, List<Series> series)
            throws IOException {
        plot(file, title, xLabel, yLabel, series, Scale.log(series, Series::x), Scale.log(series, Series::y));
    }

    /** Lines on linear axes from 0, such as a measured series beside the straight line fitted through it. */
    static void linear(Path file, String title, String xLabel, String yLabel, List<Series> series)
            throws IOException {
        plot(file, title, xLabel, yLabel, series, Scale.linear(series, Series::x), Scale.linear(series, Series::y));
    }

    /** Where an axis puts a value, between 0 and 1, and the values it marks. */
    private record Scale(double low, double high, boolean log, double step) {

        static Scale log(List<Series> series, Function<Series, double[]> values) {
            double low = Double.MAX_VALUE;
            double high = 0;
            for (Series s : series) {
                for (double v : values.apply(s)) {
                    low = Math.min(low, v);
                    high = Math.max(high, v);
                }
            }
            double d0 = Math.floor(Math.log10(low));
            double d1 = Math.ceil(Math.log10(high));
            return new Scale(d0, d1 == d0 ? d1 + 1 : d1, true, 1);
        }

        static Scale linear(List<Series> series, Function<Series, double[]> values) {
            double high = 0;
            for (Series s : series) {
                for (double v : values.apply(s)) {
                    high = Math.max(high, v);
                }
            }
            double step = niceStep(high > 0 ? high / 5 : 1);
            return new Scale(0, Math.ceil(high / step) * step, false, step);
        }

        double position(double v) {
            return ((log ? Math.log10(v) : v) - low) / (high - low);
        }

        List<Double> ticks() {
            List<Double> ticks = new ArrayList<>();
            for (double t = low; t <= high + step / 2; t += step) {
                ticks.add(log ? Math.pow(10, t) : t);
            }
            return ticks;
        }

        String label(double v) {
            return log ? power(Math.log10(v)) : format(v);
        }
    }

    private static void plot(Path file, String title, String xLabel, String yLabel, List<Series> series,
                             Scale xs, Scale ys) throws IOException {
        BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = canvas(image, title);
        int plotW = WIDTH - LEFT - RIGHT;
        int plotH = HEIGHT - TOP - BOTTOM;
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        for (double v : ys.ticks()) {
            int y = TOP + plotH - (int) Math.round(ys.position(v) * plotH);
            g.setColor(new Color(0xdddddd));
            g.drawLine(LEFT, y, LEFT + plotW, y);
            g.setColor(Color.DARK_GRAY);
            String text = ys.label(v);
            g.drawString(text, LEFT - 10 - g.getFontMetrics().stringWidth(text), y + 5);
        }
        for (double v : xs.ticks()) {
            int x = LEFT + (int) Math.round(xs.position(v) * plotW);
            g.setColor(new Color(0xdddddd));
            g.drawLine(x, TOP, x, TOP + plotH);
            g.setColor(Color.DARK_GRAY);
            String text = xs.label(v);
            g.drawString(text, x - g.getFontMetrics().stringWidth(text) / 2, TOP + plotH + 20);
        }
        axes(g, xLabel, yLabel, plotW, plotH);
        int legendY = TOP + 10;
        for (Series s : series) {
            g.setColor(s.color());
            g.setStroke(stroke(s.dashed()));
            int[] px = new int[s.x().length];
            int[] py = new int[s.x().length];
            for (int i = 0; i < s.x().length; i++) {
                px[i] = LEFT + (int) Math.round(xs.position(s.x()[i]) * plotW);
                py[i] = TOP + plotH - (int) Math.round(ys.position(s.y()[i]) * plotH);
            }
            g.drawPolyline(px, py, px.length);
            if (s.marks()) {
                for (int i = 0; i < px.length; i++) {
                    g.fillOval(px[i] - 4, py[i] - 4, 8, 8);
                }
            }
            int lx = WIDTH - RIGHT + 20;
            g.drawLine(lx, legendY, lx + 30, legendY);
            g.setStroke(new BasicStroke(1));
            g.setColor(Color.BLACK);
            g.drawString(s.label(), lx + 38, legendY + 5);
            legendY += 22;
        }
        write(image, g, file);
    }

    static void bars(Path file, String title, String yLabel, List<String> barLabels, List<Group> groups)
            throws IOException {
        BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = canvas(image, title);
        double max = 0;
        for (Group group : groups) {
            for (double v : group.values()) {
                max = Math.max(max, v);
            }
        }
        double step = niceStep(max / 5);
        double top = Math.ceil(max / step) * step;
        int plotW = WIDTH - LEFT - RIGHT;
        int plotH = HEIGHT - TOP - BOTTOM;
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        for (double v = 0; v <= top + step / 2; v += step) {
            int y = TOP + plotH - (int) Math.round(v / top * plotH);
            g.setColor(new Color(0xdddddd));
            g.drawLine(LEFT, y, LEFT + plotW, y);
            g.setColor(Color.DARK_GRAY);
            String text = format(v);
            g.drawString(text, LEFT - 10 - g.getFontMetrics().stringWidth(text), y + 5);
        }
        axes(g, "", yLabel, plotW, plotH);
        int groupW = plotW / groups.size();
        int barW = Math.max(8, (groupW - 40) / barLabels.size());
        for (int gi = 0; gi < groups.size(); gi++) {
            Group group = groups.get(gi);
            int gx = LEFT + gi * groupW + 20;
            for (int b = 0; b < group.values().length; b++) {
                double v = group.values()[b];
                int h = (int) Math.round(v / top * plotH);
                g.setColor(PALETTE[b % PALETTE.length]);
                g.fillRect(gx + b * barW, TOP + plotH - h, barW - 4, h);
                g.setColor(Color.BLACK);
                String text = format(v);
                g.drawString(text, gx + b * barW + (barW - 4 - g.getFontMetrics().stringWidth(text)) / 2,
                        TOP + plotH - h - 5);
            }
            g.setColor(Color.BLACK);
            g.drawString(group.label(), gx + (barW * group.values().length - g.getFontMetrics()
                    .stringWidth(group.label())) / 2, TOP + plotH + 20);
        }
        int legendY = TOP + 10;
        for (int b = 0; b < barLabels.size(); b++) {
            int lx = WIDTH - RIGHT + 20;
            g.setColor(PALETTE[b % PALETTE.length]);
            g.fillRect(lx, legendY - 8, 24, 14);
            g.setColor(Color.BLACK);
            g.drawString(barLabels.get(b), lx + 32, legendY + 5);
            legendY += 22;
        }
        write(image, g, file);
    }

    private static Graphics2D canvas(BufferedImage image, String title) {
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, image.getWidth(), image.getHeight());
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 18));
        g.drawString(title, LEFT, 35);
        return g;
    }

    private static void axes(Graphics2D g, String xLabel, String yLabel, int plotW, int plotH) {
        g.setColor(Color.BLACK);
        g.setStroke(new BasicStroke(1.5f));
        g.drawLine(LEFT, TOP + plotH, LEFT + plotW, TOP + plotH);
        g.drawLine(LEFT, TOP, LEFT, TOP + plotH);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 14));
        g.drawString(xLabel, LEFT + (plotW - g.getFontMetrics().stringWidth(xLabel)) / 2, HEIGHT - 25);
        Graphics2D rotated = (Graphics2D) g.create();
        rotated.rotate(-Math.PI / 2);
        rotated.drawString(yLabel, -(TOP + (plotH + g.getFontMetrics().stringWidth(yLabel)) / 2), 25);
        rotated.dispose();
    }

    private static Stroke stroke(boolean dashed) {
        return dashed ? new BasicStroke(2.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 1, new float[] {9, 6}, 0)
                : new BasicStroke(2.5f);
    }

    private static void write(BufferedImage image, Graphics2D g, Path file) throws IOException {
        g.dispose();
        ImageIO.write(image, "png", file.toFile());
    }

    private static String power(double exponent) {
        double v = Math.pow(10, exponent);
        if (exponent >= 6) {
            return format(v / 1e6) + "M";
        }
        if (exponent >= 3) {
            return format(v / 1e3) + "k";
        }
        return format(v);
    }

    static String format(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e9) {
            return String.format(Locale.ROOT, "%,d", (long) v);
        }
        if (Math.abs(v) >= 100) {
            return String.format(Locale.ROOT, "%,.0f", v);
        }
        if (Math.abs(v) >= 1) {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        return new java.math.BigDecimal(String.format(Locale.ROOT, "%.3g", v)).stripTrailingZeros().toPlainString();
    }

    private static double niceStep(double raw) {
        double magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
        for (double m : new double[] {1, 2, 2.5, 5, 10}) {
            if (m * magnitude >= raw) {
                return m * magnitude;
            }
        }
        return 10 * magnitude;
    }
}
