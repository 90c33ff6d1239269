using Spectre.Console;
using Spectre.Console.Rendering;
using Tessera.Reports;

namespace Tessera.Cli.Commands;

/// <summary>
/// The console every command draws on. Under --csv it writes each table it is given as CSV instead (a '# title' line,
/// the header, the rows, a blank line between tables) and other text as '# ' comment lines, so every command's
/// tables go through the one CSV writer; result tables arrive through <see cref="WriteCsv"/> with their numbers in base units.
/// </summary>
internal sealed class TableConsole(IAnsiConsole inner, TextWriter output) : IAnsiConsole
{
    private bool _tableWritten;

    /// <summary>Whether tables are written as CSV.</summary>
    public bool Csv { get; set; }

    public Profile Profile => inner.Profile;

    public IAnsiConsoleCursor Cursor => inner.Cursor;

    public IAnsiConsoleInput Input => inner.Input;

    public IExclusivityMode ExclusivityMode => inner.ExclusivityMode;

    public RenderPipeline Pipeline => inner.Pipeline;

    public void Clear(bool home) => inner.Clear(home);

    public void WriteAnsi(Action<AnsiWriter> action) => inner.WriteAnsi(action);

    public void Write(IRenderable renderable)
    {
        if (!Csv) { inner.Write(renderable); return; }
        if (renderable is Table table)
        {
            Begin(table.Title is null ? null : Markup.Remove(table.Title.Text));
            Tessera.Reports.Csv.Write(output, table.Columns.Select(c => Text(c.Header)), table.Rows.Select(r => r.Select(Text)));
            return;
        }
        foreach (var line in Text(renderable).Split('\n', StringSplitOptions.RemoveEmptyEntries))
            output.WriteLine($"# {line}");
    }

    /// <summary>A result table as CSV, numbers in the base units its header names.</summary>
    public void WriteCsv(ResultTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        Begin(table.Title);
        Tessera.Reports.Csv.Write(output, table);
    }

    private void Begin(string? title)
    {
        if (_tableWritten) output.WriteLine();
        _tableWritten = true;
        if (!string.IsNullOrEmpty(title)) output.WriteLine($"# {title}");
    }

    /// <summary>What a renderable shows, as plain text on one line per line (no width limit).</summary>
    private string Text(IRenderable renderable) =>
        string.Concat(renderable.Render(RenderOptions.Create(inner, inner.Profile.Capabilities), int.MaxValue / 2)
            .Where(s => !s.IsControlCode).Select(s => s.IsLineBreak ? "\n" : s.Text)).TrimEnd();
}
