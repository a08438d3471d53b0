package org.deepfer.cli;

import org.apache.spark.sql.SparkSession;
import org.deepfer.config.ConfigException;
import org.deepfer.ingest.IngestException;
import org.deepfer.pipeline.PipelineLock;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code deepfer} command line: one subcommand per job. */
@Command(name = "deepfer", mixinStandardHelpOptions = true, version = "DeepFER 0.1.0",
        description = "Facial-expression recognition as a batch pipeline on Apache Spark.",
        subcommands = {GenerateSampleCommand.class, IngestCommand.class, AuditCommand.class,
            AugmentCommand.class, PipelineCommand.class, TrainCommand.class, SweepCommand.class,
            TuneCommand.class, PredictCommand.class, EvaluateCommand.class,
            RobustnessCommand.class, ExplainCommand.class, EnsembleCommand.class,
            ReportCommand.class, ExportCommand.class, ShipCommand.class, RealtimeCommand.class, ServeCommand.class})
public final class DeepFer implements Runnable {
    /** Exit code for bad input or config: the message says what to fix, no stack trace needed. */
    public static final int USAGE_ERROR = 2;
    /** Exit code when another pipeline holds the warehouse's lock: try again later (sysexits' EX_TEMPFAIL). */
    static final int BUSY = 75;
    /**
     * Columns of {@code --help}: wide enough that each line of a command's description prints
     * whole, as written, instead of wrapping into a long line and a stub.
     */
    static final int USAGE_WIDTH = 100;

    @Override
    public void run() {
        new CommandLine(this).setUsageHelpWidth(USAGE_WIDTH).usage(System.out);
    }

    /** Runs the command line without exiting the JVM (tests, the pipeline). */
    public static int execute(String... args) {
        CommandLine cli = new CommandLine(new DeepFer()).setUsageHelpWidth(USAGE_WIDTH);
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (e instanceof ConfigException || e instanceof IngestException) {
                commandLine.getErr().println("error: " + e.getMessage());
                return USAGE_ERROR;
            }
            if (e instanceof PipelineLock.HeldException) {
                commandLine.getErr().println("error: " + e.getMessage());
                return BUSY;
            }
            throw e;
        });
        return cli.execute(args);
    }

    public static void main(String[] args) {
        int code = execute(args);
        SparkSession.getActiveSession().foreach(s -> {
            s.stop();
            return null;
        });
        System.exit(code);
    }
}
