using Parquet;
using Parquet.Schema;
using Tessera.Reports;

namespace Tessera.Cli.Commands;

/// <summary>
/// A result table as one Parquet row group: the CSV's headers (units included) as column names, text columns as
/// strings and every other kind as doubles in its base unit, NaN and absent text as null.
/// </summary>
internal static class ParquetExport
{
    public static void Write(Stream stream, ResultTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        // The library is asynchronous only; a command has no synchronisation context to deadlock on.
        WriteAsync(stream, table).GetAwaiter().GetResult();
    }

    private static async Task WriteAsync(Stream stream, ResultTable table)
    {
        var fields = table.Columns.Select(c => c.Kind == ValueKind.Text ? (DataField)new DataField<string>(Csv.Header(c)) : new DataField<double?>(Csv.Header(c)))
            .ToArray();
        await using var writer = await ParquetWriter.CreateAsync(new ParquetSchema(fields), stream).ConfigureAwait(false);
        using var group = writer.CreateRowGroup();
        for (int c = 0; c < fields.Length; c++)
        {
            var cells = table.Rows.Select(r => r[c]);
            if (table.Columns[c].Kind == ValueKind.Text)
                await group.WriteAsync(fields[c], cells.Select(v => v.Text).ToArray()).ConfigureAwait(false);
            else
                await group.WriteAsync<double>(fields[c], cells.Select(v => double.IsNaN(v.Number) ? (double?)null : v.Number).ToArray()).ConfigureAwait(false);
        }
    }
}
