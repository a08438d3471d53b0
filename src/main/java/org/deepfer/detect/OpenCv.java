package org.deepfer.detect;

/**
 * Loads OpenCV's native library from the openpnp jar, once per JVM (it is unpacked into a
 * temporary folder; nothing is downloaded).
 */
public final class OpenCv {
    private static volatile boolean loaded;

    private OpenCv() {}

    /** The gist of an OpenCV error: its "error: (...) message" part, without the C++ source path. */
    public static String reason(RuntimeException e) {
        String m = String.valueOf(e.getMessage());
        int at = m.indexOf("error: ");
        return (at >= 0 ? m.substring(at + "error: ".length()) : m).trim().replaceAll("\\s+", " ");
    }

    /** Makes sure the native library is loaded; cheap after the first call. */
    public static void load() {
        if (!loaded) {
            synchronized (OpenCv.class) {
                if (!loaded) {
                    nu.pattern.OpenCV.loadLocally();
                    loaded = true;
                }
            }
        }
    }
}
