"""DeepFER's nightly pipeline as an Airflow DAG: one BashOperator per stage group, each calling
spark-submit.sh with jobs/conf/nightly.yaml and --stages, so Airflow shows (and retries) data,
training and model checks separately while DeepFER's own ledger still skips unchanged stages.

Copy or symlink into the scheduler's dags/ folder. Settings come from Airflow Variables:
  deepfer_home        the checkout (default /opt/deepfer)
  deepfer_spark_opts  spark-submit options, e.g. "--master spark://127.0.0.1:7077 --conf spark.executor.memory=2g"
  deepfer_input       the dataset, overriding ingest.input of nightly.yaml (optional)

Exit codes of spark-submit.sh pipeline: 0 done; 75 another pipeline holds the warehouse's lock
(nothing was done) -> retried after retry_delay; 2 bad config or input -> fails at once, a retry
cannot help; anything else a failed stage -> retried (the stages before it are kept and skipped).
"""
import re
from datetime import datetime, timedelta

from airflow import DAG
from airflow.exceptions import AirflowException, AirflowFailException
from airflow.models import Variable
from airflow.operators.bash import BashOperator

HOME = Variable.get("deepfer_home", default_var="/opt/deepfer")
SPARK_OPTS = Variable.get("deepfer_spark_opts", default_var="")
INPUT = Variable.get("deepfer_input", default_var="")

BUSY = 75        # sysexits EX_TEMPFAIL: another pipeline holds the lock
USAGE_ERROR = 2  # bad config or input: the log names the key or file


def pipeline(stages):
    """The shell line of one stage group: spark-submit.sh's exit code is the task's."""
    line = (f"cd {HOME} && ./spark-submit.sh {SPARK_OPTS} pipeline --config jobs/conf/nightly.yaml"
            f" --stages {stages}")
    return line + (f" --input {INPUT}" if INPUT else "")


class StageGroup(BashOperator):
    """A BashOperator for one stage group: exit 75 (busy) is retried, exit 2 (bad config) is not."""

    def __init__(self, **kwargs):
        # Airflow skips a task that exits 99 by default; no exit code of ours means "skip".
        super().__init__(skip_on_exit_code=None, **kwargs)

    def execute(self, context):
        try:
            return super().execute(context)
        except AirflowException as e:
            code = re.search(r"non-zero exit code (\d+)", str(e))
            code = int(code.group(1)) if code else None
            if code == USAGE_ERROR:
                raise AirflowFailException(f"{self.task_id}: bad config or input, see the task log") from e
            if code == BUSY:
                self.log.warning("%s: another pipeline holds the warehouse's lock; retrying later", self.task_id)
            raise


default_args = {
    "owner": "deepfer",
    "retries": 3,
    "retry_delay": timedelta(minutes=10),
    "retry_exponential_backoff": True,
    "max_retry_delay": timedelta(hours=1),
}

with DAG(
    dag_id="deepfer_nightly",
    description="ingest -> audit -> augment -> train -> evaluate/robustness/explain -> export/report",
    schedule="0 2 * * *",
    start_date=datetime(2026, 12, 1),
    catchup=False,
    max_active_runs=1,  # the warehouse lock allows one anyway; this keeps Airflow from queueing more
    default_args=default_args,
    tags=["deepfer", "spark"],
) as dag:
    data = StageGroup(task_id="data", bash_command=pipeline("ingest,audit,augment"),
                      execution_timeout=timedelta(hours=2))
    # Each group names only its own stages: the ones before come from the ledger's last successes.
    train = StageGroup(task_id="train", bash_command=pipeline("train"),
                       execution_timeout=timedelta(hours=6), retries=1)
    checks = StageGroup(task_id="model_checks",
                        bash_command=pipeline("evaluate,robustness,explain"),
                        execution_timeout=timedelta(hours=2))
    publish = StageGroup(task_id="publish",
                         bash_command=pipeline("export,report"),
                         execution_timeout=timedelta(hours=1))
    data >> train >> checks >> publish
