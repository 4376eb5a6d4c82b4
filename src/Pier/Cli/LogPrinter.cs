using Pier.Logs;

namespace Pier.Cli;

/// <summary>How `pier logs` shows lines: <c>web.2 | time text</c>, coloured per source on a terminal, or JSON lines.</summary>
internal sealed class LogPrinter(TextWriter output, bool json, bool color)
{
    private int _width = 5;

    public void Print(IReadOnlyList<LogLine> lines)
    {
        if (lines.Count == 0)
            return;
        // One width for the whole run, so columns only ever move right when a longer name appears.
        _width = Math.Max(_width, lines.Max(l => l.Source.Length));
        foreach (var line in lines)
        {
            if (json)
            {
                output.WriteLine(line.ToJson());
                continue;
            }
            var prefix = line.Source.PadRight(_width) + " |";
            output.Write(color ? SourceColour.Paint(line.Source, prefix) : prefix);
            output.Write(' ');
            output.Write(LogLine.FormatTime(line.Time));
            output.Write(' ');
            output.WriteLine(line.Text);
        }
        output.Flush();
    }
}
