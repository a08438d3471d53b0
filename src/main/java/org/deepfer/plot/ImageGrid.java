package org.deepfer.plot;

import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import org.deepfer.image.FaceImage;

/**
 * Contact sheets of small faces: rows of enlarged images with a caption under each and an optional
 * title per row, e.g. the audit's duplicate groups or the augmentation preview.
 *
 * <p>Layout, in pixels: every cell is as large as the largest image times {@code scale}; cells and
 * rows are separated by {@link #PADDING}; captions take {@link #CAPTION_LINE_HEIGHT} per line, with
 * as many lines (at least one, at most {@link #MAX_CAPTION_LINES}) as the longest caption needs
 * when wrapped at commas and spaces outside parentheses; the title column is as wide as the widest
 * row title plus padding, or absent when no row has a title. So a grid without titles whose
 * captions fit on one line is {@code PADDING + maxCells * (cellWidth + PADDING)} wide and
 * {@code PADDING + rows * (cellHeight + CAPTION_LINE_HEIGHT + PADDING)} high.
 */
public final class ImageGrid {
    /** Gap between cells, between rows and around the border. */
    public static final int PADDING = 6;
    /** Height of one caption line. */
    public static final int CAPTION_LINE_HEIGHT = 13;
    /** Longer captions are cut with an ellipsis on the last line. */
    public static final int MAX_CAPTION_LINES = 6;

    private static final Font CAPTION_FONT = new Font(Font.SANS_SERIF, Font.PLAIN, 10);
    private static final Font TITLE_FONT = new Font(Font.SANS_SERIF, Font.BOLD, 12);
    private static final Color TEXT = new Color(0x222222);

    /** One row of the sheet: an optional title drawn on the left, then its cells. */
    public record Row(String title, List<Cell> cells) {
        public Row {
            title = title == null ? "" : title;
            if (cells == null) {
                throw new IllegalArgumentException("row '" + title + "' has no cell list");
            }
            cells = List.copyOf(cells);
        }
    }

    /** One face and the caption drawn under it. */
    public record Cell(FaceImage image, String caption) {
        public Cell {
            if (image == null) {
                throw new IllegalArgumentException("cell '" + caption + "' has no image");
            }
            caption = caption == null ? "" : caption;
        }
    }

    private ImageGrid() {}

    /**
     * Draws {@code rows} top to bottom with each face enlarged {@code scale} times by pixel
     * repetition, so individual pixels stay visible; shorter rows leave blank space on the right.
     *
     * @throws IllegalArgumentException if there are no rows, no cells at all, or scale is below 1
     */
    public static BufferedImage render(List<Row> rows, int scale) {
        if (rows == null || rows.isEmpty()) {
            throw new IllegalArgumentException("image grid needs at least one row");
        }
        if (scale < 1) {
            throw new IllegalArgumentException("image grid scale must be >= 1, got " + scale);
        }
        int maxCells = 0;
        int cellWidth = 0;
        int cellHeight = 0;
        boolean anyTitle = false;
        for (Row row : rows) {
            maxCells = Math.max(maxCells, row.cells().size());
            anyTitle |= !row.title().isBlank();
            for (Cell cell : row.cells()) {
                cellWidth = Math.max(cellWidth, cell.image().width() * scale);
                cellHeight = Math.max(cellHeight, cell.image().height() * scale);
            }
        }
        if (maxCells == 0) {
            throw new IllegalArgumentException("image grid has " + rows.size() + " rows but no cells");
        }

        // Measuring text needs a graphics context; a 1x1 scratch image provides one.
        BufferedImage scratch = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB);
        Graphics2D measure = scratch.createGraphics();
        FontMetrics captionMetrics = measure.getFontMetrics(CAPTION_FONT);
        FontMetrics titleMetrics = measure.getFontMetrics(TITLE_FONT);
        measure.dispose();

        int titleWidth = 0;
        if (anyTitle) {
            for (Row row : rows) {
                titleWidth = Math.max(titleWidth, titleMetrics.stringWidth(row.title()));
            }
            titleWidth += PADDING;
        }
        List<List<List<String>>> captions = new ArrayList<>();
        int captionLines = 1;
        for (Row row : rows) {
            List<List<String>> rowCaptions = new ArrayList<>();
            for (Cell cell : row.cells()) {
                List<String> lines = wrap(cell.caption(), captionMetrics, cellWidth);
                captionLines = Math.max(captionLines, lines.size());
                rowCaptions.add(lines);
            }
            captions.add(rowCaptions);
        }

        int rowHeight = cellHeight + captionLines * CAPTION_LINE_HEIGHT + PADDING;
        int width = PADDING + titleWidth + maxCells * (cellWidth + PADDING);
        int height = PADDING + rows.size() * rowHeight;
        BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, width, height);
            g.setColor(TEXT);
            for (int r = 0; r < rows.size(); r++) {
                Row row = rows.get(r);
                int top = PADDING + r * rowHeight;
                if (!row.title().isBlank()) {
                    g.setFont(TITLE_FONT);
                    int baseline = top + cellHeight / 2 + titleMetrics.getAscent() / 2;
                    g.drawString(row.title(), PADDING, baseline);
                }
                g.setFont(CAPTION_FONT);
                for (int c = 0; c < row.cells().size(); c++) {
                    int left = PADDING + titleWidth + c * (cellWidth + PADDING);
                    FaceImage face = row.cells().get(c).image();
                    // Smaller faces are centred in their cell.
                    int faceLeft = left + (cellWidth - face.width() * scale) / 2;
                    int faceTop = top + (cellHeight - face.height() * scale) / 2;
                    paintEnlarged(out, face, scale, faceLeft, faceTop);
                    List<String> lines = captions.get(r).get(c);
                    for (int i = 0; i < lines.size(); i++) {
                        String line = lines.get(i);
                        int x = left + (cellWidth - captionMetrics.stringWidth(line)) / 2;
                        int lineTop = top + cellHeight + i * CAPTION_LINE_HEIGHT;
                        int baseline = lineTop + captionMetrics.getAscent();
                        g.drawString(line, x, baseline);
                    }
                }
            }
        } finally {
            g.dispose();
        }
        return out;
    }

    /** Nearest-neighbour enlargement written straight into the raster, so every pixel stays exact. */
    private static void paintEnlarged(BufferedImage out, FaceImage face, int scale, int left, int top) {
        int w = face.width();
        int c = face.channels();
        byte[] px = face.pixels();
        int[] line = new int[w * scale];
        for (int y = 0; y < face.height(); y++) {
            for (int x = 0; x < w; x++) {
                int p = (y * w + x) * c;
                int rgb;
                if (c == 1) {
                    int v = px[p] & 0xFF;
                    rgb = v << 16 | v << 8 | v;
                } else {
                    rgb = (px[p] & 0xFF) << 16 | (px[p + 1] & 0xFF) << 8 | (px[p + 2] & 0xFF);
                }
                for (int i = 0; i < scale; i++) {
                    line[x * scale + i] = rgb;
                }
            }
            for (int i = 0; i < scale; i++) {
                out.setRGB(left, top + y * scale + i, line.length, 1, line, 0, line.length);
            }
        }
    }

    /** {@code text} broken at commas and spaces into lines no wider than {@code maxWidth}. */
    private static List<String> wrap(String text, FontMetrics metrics, int maxWidth) {
        List<String> lines = new ArrayList<>();
        if (text.isEmpty()) {
            return lines;
        }
        StringBuilder current = new StringBuilder();
        int start = 0;
        while (start < text.length()) {
            int end = nextBreak(text, start);
            String piece = text.substring(start, end);
            if (current.length() > 0 && metrics.stringWidth(current + piece) > maxWidth) {
                lines.add(current.toString().stripTrailing());
                current.setLength(0);
                piece = piece.stripLeading();
            }
            current.append(piece);
            start = end;
        }
        lines.add(current.toString().stripTrailing());
        if (lines.size() > MAX_CAPTION_LINES) {
            List<String> kept = new ArrayList<>(lines.subList(0, MAX_CAPTION_LINES));
            kept.set(MAX_CAPTION_LINES - 1, kept.get(MAX_CAPTION_LINES - 1) + "…");
            return kept;
        }
        return lines;
    }

    /**
     * Index just after the next comma or space at or after {@code start} that is not inside
     * parentheses (so "shift=(1.2,-0.5)" stays whole), or the text's end.
     */
    private static int nextBreak(String text, int start) {
        int depth = 0;
        for (int i = start; i < text.length(); i++) {
            char ch = text.charAt(i);
            if (ch == '(') {
                depth++;
            } else if (ch == ')') {
                depth = Math.max(0, depth - 1);
            } else if (depth == 0 && (ch == ',' || ch == ' ')) {
                return i + 1;
            }
        }
        return text.length();
    }
}
