using Spectre.Console;
using Tessera.Reports;

namespace Tessera.Cli.Commands;

/// <summary>
/// Prints any result table (runs, experiments, studies, the ecosystem, the store) with units chosen by each column's
/// kind (as CSV under --csv, see <see cref="TableConsole"/>). A table wider than the console is split into parts that each repeat the first (key) column, or
/// transposed (one row per column) when that needs fewer parts, so it reads at 80 columns as on a wide terminal.
/// </summary>
internal static class ResultTablePrinter
{
    /// <summary>A Spectre table's frame per column (a space either side and a border) and the outer border.</summary>
    private const int ColumnFrame = 3;

    public static void Print(IAnsiConsole console, IEnumerable<ResultTable> tables)
    {
        ArgumentNullException.ThrowIfNull(tables);
        foreach (var t in tables) Print(console, t);
    }

    public static void Print(IAnsiConsole console, ResultTable t)
    {
        ArgumentNullException.ThrowIfNull(console);
        ArgumentNullException.ThrowIfNull(t);
        if (console is TableConsole { Csv: true } csv)
        {
            csv.WriteCsv(t);
            return;
        }
        string[][] grid = [[.. t.Columns.Select(c => c.Header)], .. t.Rows.Select(r => r.Select((v, i) => NumberFormat.WithUnit(v, t.Columns[i].Kind)).ToArray())];
        var right = t.Columns.Select(c => c.Kind != ValueKind.Text).ToArray();
        int width = console.Profile.Width;
        var parts = Parts(grid, width);
        var transposed = Transpose(grid);
        var transposedParts = Parts(transposed, width);
        if (parts.Count > 1 && transposedParts.Count < parts.Count)
        {
            grid = transposed;
            parts = transposedParts;
            right = [false, .. Enumerable.Repeat(true, grid[0].Length - 1)];
        }
        for (int p = 0; p < parts.Count; p++)
        {
            var columns = parts[p];
            bool last = p == parts.Count - 1;
            var table = new Table
            {
                Title = p == 0 ? new TableTitle(Markup.Escape(t.Title)) : null,
                Caption = last && t.Caption.Length > 0 ? new TableTitle(Markup.Escape(t.Caption)) : null,
            };
            foreach (var c in columns)
                table.AddColumn(new TableColumn(Markup.Escape(grid[0][c])) { Alignment = right[c] ? Justify.Right : Justify.Left });
            foreach (var row in grid.Skip(1))
                table.AddRow([.. columns.Select(c => Markup.Escape(row[c]))]);
            console.Write(table);
        }
        foreach (var note in t.Notes)
            console.MarkupLine($"note: {Markup.Escape(note)}");
    }

    /// <summary>Column groups that fit <paramref name="width"/>, each starting with the key column 0 (one group when all fit).</summary>
    private static List<List<int>> Parts(string[][] grid, int width)
    {
        int columns = grid[0].Length;
        var widths = Enumerable.Range(0, columns).Select(c => grid.Max(r => r[c].Length) + ColumnFrame).ToArray();
        var parts = new List<List<int>>();
        var current = new List<int> { 0 };
        int used = 1 + widths[0];
        for (int c = 1; c < columns; c++)
        {
            if (used + widths[c] > width && current.Count > 1)
            {
                parts.Add(current);
                current = [0];
                used = 1 + widths[0];
            }
            current.Add(c);
            used += widths[c];
        }
        parts.Add(current);
        return parts;
    }

    private static string[][] Transpose(string[][] grid) =>
        [.. Enumerable.Range(0, grid[0].Length).Select(c => grid.Select(r => r[c]).ToArray())];
}
