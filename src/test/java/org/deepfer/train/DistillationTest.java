package org.deepfer.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.deepfer.augment.AugmentJob;
import org.deepfer.config.ConfigException;
import org.deepfer.config.ConfigLoader;
import org.deepfer.config.DeepFerConfig;
import org.deepfer.predict.FacePredictor;
import org.deepfer.predict.ModelBundle;
import org.deepfer.tables.Labels;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Knowledge distillation: the soft term is the textbook KL, a student trained on the soft targets
 * alone learns the teacher's answers rather than the labels, resume stays exact with a teacher, and
 * a bad teacher setting is refused naming the key.
 *
 * <p>No Spark: {@link TrainingRun} runs directly on {@link Bands} faces made in memory, which a tiny
 * baseline learns in a few epochs.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DistillationTest {
    private static final int FACE = Bands.FACE;
    private static final int CLASSES = Labels.count();

    @TempDir
    static Path root;

    private FaceArrays train;
    private FaceArrays validation;
    private Path teacherDir;

    /** The teacher's answer for true class c: a fixed permutation, so learning it cannot be confused with learning the labels. */
    private static int permuted(int c) {
        return (c + 3) % CLASSES;
    }

    @BeforeAll
    void trainATeacherThatAnswersAPermutationOfTheClasses() {
        train = Bands.faces(24, 1);
        validation = Bands.faces(8, 2);
        // Another architecture width, input size, channel count and normalization than the student's:
        // the student's loop must hand the teacher its own kind of input.
        DeepFerConfig config = config("train.width=0.5", "train.inputSize=40", "train.inputChannels=3",
                "train.epochs=6");
        TrainingRun.Data permutedData = new TrainingRun.Data(relabel(train), relabel(validation),
                new AugmentJob.Normalization(0.3, 0.35, train.count(), 0, "train", FACE), null, 0, "memory");
        teacherDir = new TrainingRun(config, permutedData, root.resolve("teacher"), false, "teacher-run", null).run()
                .modelDir();
    }

    @Test
    void softTermIsTemperatureSquaredTimesTheKlDivergenceAveragedOverTheBatch() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray student = manager.create(new float[] {0, 0, 0, 0}, new Shape(2, 2));
            NDArray teacher = manager.create(new float[] {(float) Math.log(3), 0, 0, 0}, new Shape(2, 2));
            // Row 1 at T=2: p_teacher = softmax(ln3/2, 0) = (√3, 1)/(√3+1), p_student = (1/2, 1/2), so
            // KL = Σ p ln(2p) = 0.0363408; times T² = 0.1453631. Row 2: equal distributions, KL 0. Mean:
            assertEquals(0.0726816, DistillationLoss.softTerm(student, teacher, 2).getFloat(), 1e-6);
            // Equal logits give zero at any temperature.
            assertEquals(0, DistillationLoss.softTerm(teacher, teacher, 4).getFloat(), 1e-6);

            FerLoss hard = new FerLoss(2, 0, false, 0, null);
            NDArray targets = hard.targets(manager.create(new float[] {0, 1}));
            // Hard cross entropy of uniform predictions is ln 2 per row.
            assertEquals(0.5 * 0.0726816 + 0.5 * Math.log(2),
                    new DistillationLoss(hard, 2, 0.5).compute(student, targets, teacher).getFloat(), 1e-6);
            assertEquals(0.0726816, new DistillationLoss(hard, 2, 1).compute(student, targets, teacher).getFloat(),
                    1e-6);
            assertEquals(Math.log(2), new DistillationLoss(hard, 2, 0).compute(student, targets, teacher).getFloat(),
                    1e-6);
        }
    }

    @Test
    void studentOnSoftTargetsAloneLearnsTheTeachersAnswersNotTheLabels() throws Exception {
        float[][] teacherProbs = predict(teacherDir);
        int teacherOnPermutation = 0;
        for (int i = 0; i < validation.count(); i++) {
            teacherOnPermutation += FacePredictor.argmax(teacherProbs[i]) == permuted(validation.label(i)) ? 1 : 0;
        }
        assertTrue(teacherOnPermutation >= 0.9 * validation.count(),
                "the teacher must have learned its permutation first: " + teacherOnPermutation + "/"
                        + validation.count());

        // alpha 1: the true labels the student is given play no part in its loss.
        DeepFerConfig config = config("train.width=0.25", "train.inputSize=32", "train.epochs=6",
                "train.teacher=" + teacherDir, "train.distillAlpha=1.0");
        TrainingRun.Result student = new TrainingRun(config, studentData(), root.resolve("student"), false,
                "student-run", null).run();
        // Judged on the last epoch's weights: model.params is the best by macro-F1 against the true
        // labels, which a student of this teacher is never good at.
        Files.copy(student.modelDir().resolve("checkpoints/last/params.bin"),
                student.modelDir().resolve(ModelBundle.PARAMS), StandardCopyOption.REPLACE_EXISTING);
        float[][] studentProbs = predict(student.modelDir());
        int withTeacher = 0;
        int withLabels = 0;
        for (int i = 0; i < validation.count(); i++) {
            int answer = FacePredictor.argmax(studentProbs[i]);
            withTeacher += answer == FacePredictor.argmax(teacherProbs[i]) ? 1 : 0;
            withLabels += answer == validation.label(i) ? 1 : 0;
        }
        assertTrue(withTeacher >= 0.8 * validation.count() && withLabels <= 0.2 * validation.count(),
                "student agrees with the teacher on " + withTeacher + " and with the labels on " + withLabels + " of "
                        + validation.count() + " faces");

        String card = Files.readString(student.modelDir().resolve("MODEL_CARD.md"));
        assertTrue(card.contains("- Distillation: teacher `" + teacherDir.toAbsolutePath().normalize() + "`")
                && card.contains("temperature 4.0, alpha 1.0"), card);
        DeepFerConfig.Train recorded = ConfigLoader.loadRecorded(student.modelDir().resolve("config.yaml")).train();
        assertEquals(teacherDir.toString(), recorded.teacher());
        assertEquals(4.0, recorded.distillTemperature());
        assertEquals(1.0, recorded.distillAlpha());
    }

    @Test
    void anEnsembleTeachesTheMeanOfItsMembersTemperedProbabilities() throws Exception {
        // A second member unlike the first: true labels, one channel, another input size.
        TrainingRun.Data labelData = new TrainingRun.Data(train, validation,
                new AugmentJob.Normalization(0.4, 0.3, train.count(), 0, "train", FACE), null, 0, "memory");
        Path labelTeacher = new TrainingRun(config("train.width=0.25", "train.inputSize=32", "train.epochs=2"),
                labelData, root.resolve("label-teacher"), false, "label-teacher-run", null).run().modelDir();
        List<org.deepfer.image.FaceImage> faces = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            faces.add(org.deepfer.image.FaceImage.gray(FACE, FACE, validation.pixels(i)));
        }
        float t = 4;
        try (NDManager manager = NDManager.newBaseManager();
                Teacher first = Teacher.load(List.of(teacherDir), ai.djl.Device.cpu(), t);
                Teacher second = Teacher.load(List.of(labelTeacher), ai.djl.Device.cpu(), t);
                Teacher both = Teacher.load(List.of(teacherDir, labelTeacher), ai.djl.Device.cpu(), t)) {
            NDArray a = first.logits(manager, faces, Mixing.Mix.NONE).div(t).softmax(1);
            NDArray b = second.logits(manager, faces, Mixing.Mix.NONE).div(t).softmax(1);
            float[] expected = a.add(b).div(2f).toFloatArray();
            float[] taught = both.logits(manager, faces, Mixing.Mix.NONE).div(t).softmax(1).toFloatArray();
            assertArrayEquals(expected, taught, 1e-5f);
            assertTrue(Math.abs(expected[0] - a.toFloatArray()[0]) > 1e-3, "the members must disagree somewhere");
            assertEquals(2, both.bundles().size());
        }

        DeepFerConfig config = config("train.width=0.25", "train.inputSize=32", "train.epochs=1",
                "train.teacher=" + teacherDir + ", " + labelTeacher);
        assertEquals(List.of(teacherDir.toString(), labelTeacher.toString()), config.train().teachers());
        TrainingRun.Result student = new TrainingRun(config, studentData(), root.resolve("ensemble-student"), false,
                "ensemble-student-run", null).run();
        String card = Files.readString(student.modelDir().resolve("MODEL_CARD.md"));
        assertTrue(card.contains("- Distillation: teacher an ensemble of 2 (mean of their tempered probabilities): `"
                + teacherDir.toAbsolutePath().normalize() + "`"), card);

        ConfigException twice = assertThrows(ConfigException.class,
                () -> config("train.teacher=" + teacherDir + "," + teacherDir));
        assertTrue(twice.getMessage().contains("twice"), twice.getMessage());
        ConfigException bad = assertThrows(ConfigException.class,
                () -> config("train.teacher=" + teacherDir + "," + root.resolve("no-such-member")));
        assertTrue(bad.getMessage().contains("no-such-member"), bad.getMessage());
    }

    @Test
    void resumedDistillationWithMixupAndCutMixEndsWithTheSameParametersAsAnUninterruptedOne() throws Exception {
        String[] settings = {"train.width=0.25", "train.inputSize=32", "train.epochs=2", "train.augment=true",
            "train.mixupAlpha=0.4", "train.cutmixProbability=0.5", "train.teacher=" + teacherDir,
            "train.distillAlpha=0.7", "train.dropout=0.3"};
        DeepFerConfig config = config(settings);
        TrainingRun.Result straight = new TrainingRun(config, studentData(), root.resolve("straight"), false, "s",
                null).run();
        Path resumedDir = root.resolve("resumed");
        assertEquals(1, new TrainingRun(config, studentData(), resumedDir, false, "r", null).interruptAfter(1).run()
                .epochsDone());
        TrainingRun.Result resumed = new TrainingRun(config, studentData(), resumedDir, true, "r", null).run();

        assertEquals(2, resumed.epochsDone());
        assertArrayEquals(Files.readAllBytes(straight.modelDir().resolve("checkpoints/last/params.bin")),
                Files.readAllBytes(resumed.modelDir().resolve("checkpoints/last/params.bin")));
        assertArrayEquals(Files.readAllBytes(straight.modelDir().resolve("checkpoints/last/optimizer.ndlist")),
                Files.readAllBytes(resumed.modelDir().resolve("checkpoints/last/optimizer.ndlist")));
    }

    @Test
    void badDistillationSettingsAreRefusedNamingTheKey() {
        Path missing = root.resolve("no-such-model");
        ConfigException noDir = assertThrows(ConfigException.class, () -> config("train.teacher=" + missing));
        assertTrue(noDir.getMessage().contains("train.teacher") && noDir.getMessage().contains(missing.toString()),
                noDir.getMessage());

        ConfigException alpha = assertThrows(ConfigException.class,
                () -> config("train.teacher=" + teacherDir, "train.distillAlpha=1.5"));
        assertTrue(alpha.getMessage().contains("train.distillAlpha") && alpha.getMessage().contains("1.5"),
                alpha.getMessage());
        ConfigException temperature = assertThrows(ConfigException.class, () -> config("train.distillTemperature=0"));
        assertTrue(temperature.getMessage().contains("train.distillTemperature"), temperature.getMessage());
        ConfigException dl4j = assertThrows(ConfigException.class,
                () -> config("train.teacher=" + teacherDir, "train.engine=dl4j-spark"));
        assertTrue(dl4j.getMessage().contains("train.teacher"), dl4j.getMessage());
    }

    @Test
    void trainCommandTakesTheTeacherAsAnOptionAndRefusesAMissingOne() {
        Path missing = root.resolve("no-such-teacher");
        org.deepfer.testing.Cli.Outcome outcome = org.deepfer.testing.Cli.run("train", "--backbone", "baseline",
                "--set", "train.width=0.25", "--teacher", missing.toString());
        assertEquals(2, outcome.code(), outcome.err());
        assertTrue(outcome.err().contains("train.teacher '" + missing + "'"), outcome.err());
    }

    @Test
    void aDistilledModelStillLoadsForPredictionOnceItsTeacherIsGone() throws Exception {
        Path orphan = Files.createDirectories(root.resolve("orphan"));
        for (String file : List.of(ModelBundle.CLASSES, ModelBundle.NORMALIZATION, ModelBundle.PARAMS)) {
            Files.copy(teacherDir.resolve(file), orphan.resolve(file));
        }
        Path gone = root.resolve("deleted-teacher");
        String yaml = Files.readString(teacherDir.resolve(ModelBundle.CONFIG));
        assertTrue(yaml.contains("teacher: \"\""), "config.yaml records train.teacher");
        Files.writeString(orphan.resolve(ModelBundle.CONFIG), yaml.replace("teacher: \"\"", "teacher: \"" + gone + "\""));

        // Training with that config again needs the teacher...
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigLoader.load(Optional.of(orphan.resolve(ModelBundle.CONFIG)), List.of()));
        assertTrue(e.getMessage().contains(gone.toString()), e.getMessage());
        // ...predicting with the model it made does not.
        assertEquals(40, ModelBundle.load(orphan).spec().inputSize());
    }

    /** Test settings: CPU, one thread (float sums, so exact resume, depend on it), no augmentation. */
    private static DeepFerConfig config(String... overrides) {
        List<String> all = new ArrayList<>(List.of("train.device=cpu", "train.threads=1", "train.batchSize=32",
                "train.augment=false", "train.dropout=0.1", "train.learningRate=0.003", "train.warmupEpochs=0",
                "train.earlyStoppingPatience=0", "paths.warehouse=" + root.resolve("warehouse"),
                "paths.results=" + root.resolve("results")));
        all.addAll(List.of(overrides));
        return ConfigLoader.load(Optional.empty(), all);
    }

    /** The true-label data the student trains on, normalized differently from the teacher's. */
    private TrainingRun.Data studentData() {
        return new TrainingRun.Data(train, validation,
                new AugmentJob.Normalization(0.45, 0.2, train.count(), 0, "train", FACE), null, 0, "memory");
    }

    /** The same faces labelled with the teacher's permutation of their classes. */
    private static FaceArrays relabel(FaceArrays faces) {
        byte[] pixels = new byte[faces.count() * FACE * FACE];
        int[] labels = new int[faces.count()];
        String[] ids = new String[faces.count()];
        for (int i = 0; i < faces.count(); i++) {
            System.arraycopy(faces.pixels(i), 0, pixels, i * FACE * FACE, FACE * FACE);
            labels[i] = permuted(faces.label(i));
            ids[i] = faces.id(i);
        }
        return FaceArrays.of(FACE, pixels, labels, ids);
    }

    /** Class probabilities of the validation faces from the model in {@code dir}. */
    private float[][] predict(Path dir) {
        List<byte[]> faces = new ArrayList<>();
        for (int i = 0; i < validation.count(); i++) {
            faces.add(validation.pixels(i));
        }
        try (FacePredictor predictor = new FacePredictor(ModelBundle.load(dir), FacePredictor.Settings.defaults())) {
            return predictor.probabilities(faces, FACE);
        }
    }
}
