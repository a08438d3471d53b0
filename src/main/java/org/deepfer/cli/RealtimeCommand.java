package org.deepfer.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.deepfer.config.ConfigException;
import org.deepfer.config.DeepFerConfig;
import org.deepfer.detect.FaceCropper;
import org.deepfer.detect.FaceDetector;
import org.deepfer.detect.FaceDetectors;
import org.deepfer.predict.FacePredictor;
import org.deepfer.predict.ModelBundle;
import org.deepfer.realtime.DjlClassifier;
import org.deepfer.realtime.FaceClassifier;
import org.deepfer.realtime.FaceTracker;
import org.deepfer.realtime.FrameSource;
import org.deepfer.realtime.OnnxClassifier;
import org.deepfer.realtime.RealtimeLoop;
import org.deepfer.realtime.Smoothing;
import org.deepfer.realtime.StageTimes;
import org.deepfer.realtime.TtaClassifier;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code deepfer realtime}: the single-node loop over a video, a camera, an image folder or photos. */
@Command(name = "realtime", mixinStandardHelpOptions = true,
        header = "Video, camera or images -> faces -> expressions, overlaid.",
        description = {"Run the real-time loop on one node: frames from a video (--video), a camera",
            "(--camera), an image folder of one scene (--images) or unrelated photos (--photos)",
            "-> face detection (detect.detector)",
            "-> crop -> the model (its exported model.onnx through ONNX Runtime, or DJL)",
            "-> per-face smoothing -> overlay. Writes the annotated video (MJPEG .avi),",
            "annotated images with --annotated, one JSON line per frame (each face's box,",
            "label and probabilities; an image folder's file names), the same as a table of",
            "one row per face (realtime_faces.csv) and per-stage latencies",
            "(results/realtime_stats.csv, FPS in realtime_stats.json)."})
final class RealtimeCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions configOptions;

    @Option(names = "--model", paramLabel = "MODEL_DIR", description = "A model directory written by train (models/<id>). Default: the shipped models/default.")
    Path model;

    /** Exactly one source. */
    static final class Source {
        @Option(names = "--video", paramLabel = "FILE", description = "A video file (Motion-JPEG .avi in this build).")
        Path video;

        @Option(names = "--camera", paramLabel = "INDEX", description = "A camera, e.g. 0.")
        Integer camera;

        @Option(names = "--images", paramLabel = "DIR", description = {"A folder of .jpg/.png/.bmp images, read in name"
            + " order as frames of one scene: faces are tracked and smoothed across them (unrelated photos:"
            + " --photos). The video takes the first image's size; others are scaled to fit it."})
        Path images;

        @Option(names = "--photos", paramLabel = "DIR|FILE", description = {"A folder of unrelated .jpg/.png/.bmp"
            + " photos (or one photo), each classified on its own: faces detected in every photo, nothing tracked"
            + " or smoothed from one to the next, track ids from 1 in each. Labelled copies go to"
            + " <results>/annotated (or --annotated DIR); no video unless --out names one."})
        Path photos;

        /** Whether the frames are unrelated photos (--photos), each to be taken on its own. */
        boolean unrelatedPhotos() {
            return photos != null;
        }

        /** The image folder named, by either option; null for a video or a camera. */
        Path folder() {
            return images != null ? images : photos;
        }
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Source source;

    @Option(names = "--out", paramLabel = "FILE", description = "Annotated video (default: <results>/demo.avi;"
            + " none for --photos).")
    Path out;

    @Option(names = "--annotated", paramLabel = "DIR", description = {"Also write every annotated frame as an image"
        + " into DIR, at its own size: the photos of --images or --photos under their own names (not into their own"
        + " folder),"
        + " video and camera frames as frame-000000.jpg, ..."})
    Path annotated;

    @Option(names = "--no-video", description = "Do not write the annotated video (measure the loop without it).")
    boolean noVideo;

    @Option(names = "--max-frames", paramLabel = "N", defaultValue = "0",
            description = "Stop after N frames; 0 = until the source ends. Default: ${DEFAULT-VALUE}.")
    int maxFrames;

    @Mixin
    ClassifierOptions classifierOptions;

    @Override
    public Integer call() {
        List<String> shortcuts = new ArrayList<>();
        classifierOptions.addTo(shortcuts);
        DeepFerConfig config = configOptions.load(shortcuts);
        if (maxFrames < 0) {
            throw new ConfigException("--max-frames " + maxFrames + ": expected 0 (all) or more");
        }
        RealtimeLoop.Outputs outputs = outputs(Path.of(config.paths().results()), source.unrelatedPhotos(), out,
                noVideo, annotated);
        refuseToOverwriteTheImages(outputs.annotated());
        Path modelDir = ModelJobCommand.modelDir(model, "--model", "realtime");
        ModelBundle bundle = ModelBundle.load(modelDir);
        DeepFerConfig.Realtime rt = config.realtime();
        try (FrameSource frames = open();
                FaceClassifier classifier = classifier(bundle, rt, config.image().size());
                FaceDetector detector = FaceDetectors.create(config.detect())) {
            FaceCropper cropper = new FaceCropper(classifier.cropSize(), config.detect().cropMargin(),
                    config.detect().align());
            FaceTracker tracker = new FaceTracker(rt.trackIou(), rt.maxMissed(),
                    Smoothing.Factory.of(rt.smoothing(), rt.emaAlpha(), rt.medianWindow()));
            boolean photos = source.unrelatedPhotos();
            System.out.printf("realtime: %s, detector %s %s, model %s via %s, %s%n", frames.describe(),
                    detector.name(), photos ? "on every photo" : "every " + rt.detectEvery() + " frame(s)",
                    bundle.modelId(), classifier.engine(),
                    photos ? "each photo on its own" : "smoothing " + rt.smoothing());
            RealtimeLoop loop = new RealtimeLoop(detector, cropper, classifier, tracker, rt.detectEvery());
            if (photos) {
                loop.unrelatedFrames();
            }
            long start = System.nanoTime();
            RealtimeLoop.Summary s = loop
                    .run(frames, outputs, maxFrames, i -> {
                        if ((i + 1) % 50 == 0) {
                            System.out.printf(Locale.ROOT, "  frame %d, %.1f FPS%n", i + 1,
                                    (i + 1) / ((System.nanoTime() - start) / 1e9));
                        }
                    });
            cropper.release();
            StageTimes t = s.times();
            System.out.printf(Locale.ROOT, "%n%d frames in %.1f s: %.1f FPS end to end, frame p50 %.1f ms, p95 %.1f ms;"
                    + " %d face detections%n", s.frames(), s.seconds(), s.fps(), t.quantile("total", 0.5),
                    t.quantile("total", 0.95), s.faceDetections());
            for (String stage : StageTimes.STAGES) {
                System.out.printf(Locale.ROOT, "  %-10s mean %7.2f ms  p95 %7.2f ms%n", stage, t.mean(stage),
                        t.quantile(stage, 0.95));
            }
            if (outputs.video() != null) {
                System.out.printf("  video  %s%n", outputs.video());
            }
            if (outputs.annotated() != null) {
                System.out.printf("  images %s (%d)%n", outputs.annotated(), s.frames());
            }
            System.out.printf("  frames %s%n  faces  %s%n  stats  %s%n", outputs.frames(), outputs.faces(),
                    outputs.stats());
        }
        return 0;
    }

    /**
     * What a run writes under {@code results}: the JSON lines, the per-face table and the stage
     * times always; the video ({@code demo.avi}, or {@code out}) unless {@code noVideo}, and for
     * {@code photos} only when {@code out} asks for one; the annotated images into {@code annotated},
     * and for {@code photos} by default into {@code <results>/annotated}.
     */
    static RealtimeLoop.Outputs outputs(Path results, boolean photos, Path out, boolean noVideo, Path annotated) {
        Path video = noVideo ? null : out != null ? out : photos ? null : results.resolve("demo.avi");
        Path images = annotated != null ? annotated : photos ? results.resolve("annotated") : null;
        return new RealtimeLoop.Outputs(video, results.resolve("realtime_frames.jsonl"),
                results.resolve("realtime_stats.csv"), images);
    }

    /** Annotated photos keep their names, so written into their own folder they would replace them. */
    private void refuseToOverwriteTheImages(Path annotated) {
        Path folder = source.folder();
        if (folder != null && Files.isRegularFile(folder)) {
            folder = folder.toAbsolutePath().getParent(); // one photo: its folder
        }
        if (annotated == null || folder == null || !Files.isDirectory(annotated) || !Files.isDirectory(folder)) {
            return;
        }
        String option = source.images != null ? "--images" : "--photos";
        try {
            if (Files.isSameFile(annotated, folder)) {
                throw new ConfigException("the annotated images' folder " + annotated + " is the " + option
                        + " folder: the annotated copies would replace the photos; name another with --annotated");
            }
        } catch (IOException e) {
            throw new ConfigException("cannot compare the annotated images' folder " + annotated + " with " + option
                    + " " + folder + " (" + e + ")", e);
        }
    }

    /**
     * The frames the options name, opened before the model and the detector load; a file, folder or
     * camera that cannot be read is the user's input to fix, reported as such (exit code 2).
     */
    private FrameSource open() {
        try {
            if (source.video != null) {
                return FrameSource.video(source.video);
            }
            if (source.camera != null) {
                return FrameSource.camera(source.camera);
            }
            // Unrelated photos make a slide show of one a second; a folder of frames plays at 10 FPS.
            return FrameSource.images(source.folder(), source.unrelatedPhotos() ? 1 : 10);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage(), e);
        } catch (UncheckedIOException e) {
            throw new ConfigException(e.getMessage() + " (" + e.getCause() + ")", e);
        }
    }

    /**
     * ONNX Runtime on the model's model.onnx, or DJL, with {@code realtime.tta}; says how to export
     * when the file is missing.
     */
    static FaceClassifier classifier(ModelBundle bundle, DeepFerConfig.Realtime rt, int storedSize) {
        return TtaClassifier.of(engine(bundle, rt, storedSize), FacePredictor.Tta.parse(rt.tta()));
    }

    private static FaceClassifier engine(ModelBundle bundle, DeepFerConfig.Realtime rt, int storedSize) {
        if (rt.engine().equals("djl")) {
            org.deepfer.predict.PredictJob.useThreads(rt.threads());
            return new DjlClassifier(bundle, 1.0, storedSize);
        }
        Path onnx = bundle.dir().resolve(ModelBundle.ONNX);
        if (!Files.isRegularFile(onnx)) {
            throw new ConfigException("realtime.engine is onnx but " + onnx + " does not exist: run"
                    + " `deepfer export --model " + bundle.dir() + "` first, or use --engine djl");
        }
        return new OnnxClassifier(onnx, bundle.classNames(), rt.threads());
    }
}
