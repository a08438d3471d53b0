package org.deepfer.image;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;

/** Decodes encoded files (JPEG, PNG, BMP, GIF) into {@link FaceImage}s and encodes them back. */
public final class ImageCodec {
    static {
        // No disk cache for ImageIO streams: executors decode many small files from memory.
        ImageIO.setUseCache(false);
    }

    private ImageCodec() {}

    /**
     * Decodes {@code bytes}, keeping gray images gray and turning anything else into 3-channel RGB.
     *
     * @throws ImageDecodeException if the bytes are empty, not an image, or a truncated image
     */
    public static FaceImage decode(byte[] bytes) {
        if (bytes == null || bytes.length == 0) {
            throw new ImageDecodeException(ImageDecodeException.Reason.ZERO_BYTE, "file is empty (0 bytes)");
        }
        BufferedImage img;
        try {
            img = ImageIO.read(new ByteArrayInputStream(bytes));
        } catch (IOException | RuntimeException e) {
            throw new ImageDecodeException(
                    ImageDecodeException.Reason.CORRUPT, "cannot decode image: " + e.getMessage());
        }
        if (img == null) {
            throw new ImageDecodeException(
                    ImageDecodeException.Reason.NOT_AN_IMAGE, "not a recognised image format");
        }
        return fromBufferedImage(img);
    }

    /** Converts a Java2D image (any type) to a gray or RGB {@link FaceImage}. */
    public static FaceImage fromBufferedImage(BufferedImage img) {
        int w = img.getWidth();
        int h = img.getHeight();
        if (img.getType() == BufferedImage.TYPE_BYTE_GRAY) {
            byte[] data = ((DataBufferByte) img.getRaster().getDataBuffer()).getData();
            if (data.length == w * h) {
                return FaceImage.gray(w, h, data.clone());
            }
        }
        if (img.getColorModel().getNumColorComponents() == 1) {
            byte[] out = new byte[w * h];
            int[] s = img.getRaster().getSamples(0, 0, w, h, 0, (int[]) null);
            int bits = img.getColorModel().getComponentSize(0);
            for (int i = 0; i < out.length; i++) {
                out[i] = (byte) (bits > 8 ? s[i] >> (bits - 8) : s[i]);
            }
            return FaceImage.gray(w, h, out);
        }
        int[] argb = img.getRGB(0, 0, w, h, null, 0, w);
        byte[] out = new byte[w * h * 3];
        for (int i = 0, p = 0; i < argb.length; i++, p += 3) {
            out[p] = (byte) (argb[i] >> 16);
            out[p + 1] = (byte) (argb[i] >> 8);
            out[p + 2] = (byte) argb[i];
        }
        return FaceImage.of(w, h, 3, out);
    }

    /** A Java2D view of {@code image} (gray or RGB), for drawing and encoding. */
    public static BufferedImage toBufferedImage(FaceImage image) {
        int w = image.width();
        int h = image.height();
        if (image.channels() == 1) {
            BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
            out.getRaster().setDataElements(0, 0, w, h, image.pixels());
            return out;
        }
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        byte[] px = image.pixels();
        int[] rgb = new int[w * h];
        for (int i = 0, p = 0; i < rgb.length; i++, p += 3) {
            rgb[i] = (px[p] & 0xFF) << 16 | (px[p + 1] & 0xFF) << 8 | (px[p + 2] & 0xFF);
        }
        out.setRGB(0, 0, w, h, rgb, 0, w);
        return out;
    }

    /** Lossless PNG bytes of {@code image}. */
    public static byte[] encodePng(FaceImage image) {
        return write(toBufferedImage(image), "png");
    }

    /** Encodes any Java2D image as PNG (used for plots). */
    public static byte[] write(BufferedImage image, String format) {
        try (ByteArrayOutputStream out = new ByteArrayOutputStream()) {
            if (!ImageIO.write(image, format, out)) {
                throw new IllegalStateException("no ImageIO writer for " + format);
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** JPEG bytes at {@code quality} (0..1). */
    public static byte[] encodeJpeg(FaceImage image, float quality) {
        return encodeJpeg(toBufferedImage(image), quality);
    }

    /** JPEG bytes of a Java2D image at {@code quality} (0..1). */
    public static byte[] encodeJpeg(BufferedImage image, float quality) {
        Iterator<ImageWriter> writers = ImageIO.getImageWritersByFormatName("jpeg");
        ImageWriter writer = writers.next();
        try (ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                ImageOutputStream out = ImageIO.createImageOutputStream(bytes)) {
            writer.setOutput(out);
            ImageWriteParam param = writer.getDefaultWriteParam();
            param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            param.setCompressionQuality(quality);
            writer.write(null, new IIOImage(image, null, null), param);
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            writer.dispose();
        }
    }
}
