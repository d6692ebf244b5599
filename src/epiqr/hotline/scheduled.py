from datetime import timedelta

from epiqr.core.scheduler import Job

from . import tasks

# Every minute: the shortest deadline is 15 minutes, so a request is escalated at most a minute late.
JOBS = [Job("hotline.escalate", timedelta(minutes=1), tasks.tickets_escalate)]
