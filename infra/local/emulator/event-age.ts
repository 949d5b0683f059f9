/**
 * The age of an event as AWS would see it: real time spent working (invocations run in real time) plus
 * the AWS time that each compressed wait stood for. This keeps a 60 s event-age limit meaningful when a
 * one-minute backoff takes 60 real milliseconds.
 */
export class EventAge {
  private readonly startedAt = performance.now();
  private realWaited = 0;
  private awsWaited = 0;

  /** Records a compressed wait of `awsMs` (AWS time) that took `realMs`. */
  waited(awsMs: number, realMs: number): void {
    this.awsWaited += awsMs;
    this.realWaited += realMs;
  }

  /** The age in milliseconds of AWS time. */
  ms(): number {
    return performance.now() - this.startedAt - this.realWaited + this.awsWaited;
  }
}
