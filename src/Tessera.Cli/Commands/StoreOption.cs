using System.Collections.Immutable;
using System.CommandLine;
using Tessera.Reports;

namespace Tessera.Cli.Commands;

/// <summary>
/// --store FILE: append the run (manifest, metrics, tables) to a result store. The file is checked before the run
/// starts, and the store's writer is warmed up on another thread while the run computes.
/// </summary>
internal sealed record StoreOption(ResultStore Store, Task Ready)
{
    public static Option<string?> Create() => new("--store")
    {
        Description = "Append this run (its manifest, every metric and table) to this SQLite result store, created if missing; see 'tessera results'",
    };

    /// <summary>The store to append to, checked now (its folder exists, the file is a Tessera store of this schema or older); null without --store.</summary>
    public static StoreOption? Open(string? path) =>
        OutputFile.File(path, "--store") is { } file ? new StoreOption(new ResultStore(file.Path), Task.Run(ResultStore.WarmUp)) : null;

    /// <summary>Appends the run (after the warm-up), its point id computed from the arguments that choose what is computed.</summary>
    public static void Append(CliContext context, StoreOption? store, Manifest manifest, string kind, string name, bool feasible,
        ImmutableArray<Metric> metrics, ImmutableArray<ResultTable> tables)
    {
        if (store is null) return;
        store.Ready.GetAwaiter().GetResult();
        var point = StoredRun.PointOf(manifest, OutputFile.WithoutOutputs(context.Args));
        store.Store.Append(manifest, new StoredRun(kind, name, point, feasible, metrics, tables));
    }
}
