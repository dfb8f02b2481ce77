import type { Detection } from "../hunt/detection.js";

/** A file of detections, written in the order given. */
export interface DetectionWriter {
  write(detection: Detection): Promise<void>;
  /** Writes what is buffered and closes the file; rejects if any write failed. */
  close(): Promise<void>;
  /** Detections written so far. */
  readonly rows: number;
}
