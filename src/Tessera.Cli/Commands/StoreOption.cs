using System.Collections.Immutable;
using System.CommandLine;
using Tessera.Reports;

namespace Tessera.Cli.Commands;

/// <summary>--store FILE: append the run (manifest, metrics, tables) to a result store, checked before the run starts.</summary>
internal static class StoreOption
{
    public static Option<string?> Create() => new("--store")
    {
        Description = "Append this run (its manifest, every metric and table) to this SQLite result store, created if missing; see 'tessera results'",
    };

    /// <summary>The store to append to, checked now (its folder exists, the file is a Tessera store of this schema or older); null without --store.</summary>
    public static ResultStore? Open(string? path) => OutputFile.File(path, "--store") is { } file ? new ResultStore(file.Path) : null;

    /// <summary>Appends the run, its point id computed from the arguments that choose what is computed.</summary>
    public static void Append(CliContext context, ResultStore? store, Manifest manifest, string kind, string name, bool feasible,
        ImmutableArray<Metric> metrics, ImmutableArray<ResultTable> tables)
    {
        if (store is null) return;
        var point = StoredRun.PointOf(manifest, OutputFile.WithoutOutputs(context.Args));
        store.Append(manifest, new StoredRun(kind, name, point, feasible, metrics, tables));
    }
}
