package org.deepfer.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.deepfer.config.DeepFerConfig;
import org.deepfer.detect.FaceDetector;
import org.deepfer.detect.FaceDetectors;
import org.deepfer.predict.ModelBundle;
import org.deepfer.realtime.FaceClassifier;
import org.deepfer.realtime.FaceTracker;
import org.deepfer.realtime.Smoothing;
import org.deepfer.serve.DemoServer;
import org.deepfer.serve.FrameAnalyzer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code deepfer serve}: the web demo, a page that sends webcam or file frames to the model. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        header = "Serve the web demo: the browser's webcam, our model.",
        description = {"Serve the web demo at http://<serve.host>:<serve.port>/index.html: the page opens the",
            "webcam (or takes an image or video file), sends JPEG frames and draws the faces, labels and",
            "probabilities the server finds (detect.detector -> crop -> the model -> per-face smoothing,",
            "one tracker per browser tab). Binds to 127.0.0.1 unless --host or serve.host says otherwise.",
            "Runs until stopped (Ctrl+C)."})
final class ServeCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions configOptions;

    @Option(names = "--model", paramLabel = "MODEL_DIR", description = "A model directory written by train (models/<id>). Default: the shipped models/default.")
    Path model;

    @Option(names = "--port", paramLabel = "PORT", description = "TCP port (default: serve.port; 0 = any free port).")
    Integer port;

    @Option(names = "--host", paramLabel = "HOST",
            description = "Address to bind (default: serve.host, 127.0.0.1 = this machine only).")
    String host;

    @Mixin
    ClassifierOptions classifierOptions;

    @Override
    public Integer call() throws InterruptedException {
        List<String> shortcuts = new ArrayList<>();
        if (port != null) {
            shortcuts.add("serve.port=" + port);
        }
        if (host != null) {
            shortcuts.add("serve.host=" + host);
        }
        classifierOptions.addTo(shortcuts);
        DeepFerConfig config = configOptions.load(shortcuts);
        ModelBundle bundle = ModelBundle.load(ModelJobCommand.modelDir(model, "--model", "serve"));
        DeepFerConfig.Realtime rt = config.realtime();
        Supplier<FaceTracker> trackers = () -> new FaceTracker(rt.trackIou(), rt.maxMissed(),
                Smoothing.Factory.of(rt.smoothing(), rt.emaAlpha(), rt.medianWindow()));
        CountDownLatch stop = new CountDownLatch(1);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stop.countDown();
            try {
                stopped.await(5, TimeUnit.SECONDS); // let the server and native resources close first
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "serve-shutdown"));
        try (FaceClassifier classifier = RealtimeCommand.classifier(bundle, rt, config.image().size());
                FaceDetector detector = FaceDetectors.create(config.detect());
                FrameAnalyzer analyzer = new FrameAnalyzer(detector, classifier, config.detect().cropMargin(),
                        config.detect().align(), trackers, config.serve().maxSessions());
                DemoServer server = DemoServer.start(analyzer, config.serve(), bundle.modelId())) {
            System.out.printf("serving %s (model %s via %s)%n", server.pageUrl(), bundle.modelId(),
                    classifier.engine());
            System.out.printf("  detector %s, smoothing %s; frames up to %d bytes, uploads up to %d bytes;"
                    + " Ctrl+C stops%n", detector.name(), rt.smoothing(), config.serve().maxFrameBytes(),
                    config.serve().maxUploadBytes());
            stop.await();
        } finally {
            stopped.countDown();
        }
        return 0;
    }
}
