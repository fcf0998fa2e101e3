// The live figure of `greenml run` on a terminal, drawn on the terminal's last row while the command's
// own output scrolls above it: the rows above are made the scrolling region (DECSTBM), and each update
// saves the cursor, writes the bottom row and restores the cursor, in one write. The command's lines
// are never cut or glued to the figure, whatever they print (tqdm's \r included), and its cursor is
// where it left it. stop() gives the whole screen back and clears the row.
//
//   const line = TtyStatusLine.open(process.stderr); line?.draw('greenml: 12 W · …'); line?.stop();

const ESC = '\x1b';
const SAVE = `${ESC}7`;
const RESTORE = `${ESC}8`;

export class TtyStatusLine {
  private rows: number;
  private cols: number;
  private last = '';
  private stopped = false;
  private readonly onResize = () => this.resize();

  private constructor(private readonly out: NodeJS.WriteStream) {
    this.rows = out.rows;
    this.cols = out.columns || 80;
    // Make room for the row first (a newline scrolls the screen when the cursor is on the last row),
    // then shrink the scrolling region above it; setting the region homes the cursor, so it is saved
    // and restored around it, and moved back up to where the newline took it from.
    out.write(`\n${SAVE}${ESC}[1;${this.rows - 1}r${RESTORE}${ESC}[1A`);
    out.on('resize', this.onResize);
  }

  /** A status line on this stream, or undefined when it is not a terminal of at least 3 rows. */
  static open(out: NodeJS.WriteStream): TtyStatusLine | undefined {
    if (!out.isTTY || !(out.rows >= 3)) return undefined;
    return new TtyStatusLine(out);
  }

  draw(text: string): void {
    if (this.stopped) return;
    this.last = text;
    const fitted = [...text].slice(0, Math.max(1, this.cols - 1)).join('');
    this.out.write(`${SAVE}${ESC}[${this.rows};1H${ESC}[2K${ESC}[7m${fitted}${ESC}[0m${RESTORE}`);
  }

  private resize(): void {
    if (this.stopped) return;
    this.rows = this.out.rows;
    this.cols = this.out.columns || 80;
    if (!(this.rows >= 3)) return;
    this.out.write(`${SAVE}${ESC}[1;${this.rows - 1}r${RESTORE}`);
    if (this.last) this.draw(this.last);
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.out.off('resize', this.onResize);
    // Whole screen scrolls again; the status row is cleared; the cursor stays where the command left it.
    this.out.write(`${SAVE}${ESC}[r${ESC}[${this.rows};1H${ESC}[2K${RESTORE}`);
  }
}
