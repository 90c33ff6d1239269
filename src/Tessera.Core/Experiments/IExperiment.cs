using System.Collections.Immutable;
using Tessera.Costs;
using Tessera.Diagnostics;
using Tessera.Reports;

namespace Tessera.Experiments;

/// <summary>
/// One of the seed papers' experiments, reproduced with Tessera's models: `tessera experiment NAME` runs it.
/// A new experiment is one class implementing this interface with a parameterless constructor; the registry finds it.
/// </summary>
public interface IExperiment
{
    /// <summary>The command-line name, lower case with dashes.</summary>
    string Name { get; }

    /// <summary>One line: what is compared, on what.</summary>
    string Description { get; }

    /// <summary>The settings it runs under; the first is its default.</summary>
    ImmutableArray<ExperimentSetting> Settings => [ExperimentSetting.Tessera];

    /// <summary>Whether it pipelines models, so that a mini-batch size applies.</summary>
    bool Pipelines => false;

    /// <summary>Runs every configuration and returns the table; reports the finished share (0–1) as it goes.</summary>
    ExperimentResult Run(ExperimentOptions options, IProgress<double>? progress, CancellationToken cancellation);
}

/// <summary>Whose modelling choices an experiment follows (a SCAR experiment as Tessera models it, or as SCAR ran it).</summary>
public enum ExperimentSetting
{
    /// <summary>Tessera's: programmable chiplets whose mappings are searched, the experiment's own batches and deadlines.</summary>
    Tessera,

    /// <summary>SCAR's: fixed-function chiplets (MAESTRO's dataflows), mini-batches of whole samples, SCAR's layers, batches and EDP.</summary>
    Scar,
}

/// <summary>
/// How to run an experiment: where the shared data folder is (the one holding data/stream…), whether to run the
/// reduced configuration set (a few rows, small batches: what the tests use), the operator cost model, the setting
/// and, for experiments that pipeline, the samples per mini-batch (null: the setting's default).
/// </summary>
public sealed record ExperimentOptions(string? SharedFolder = null, bool Reduced = false, string CostModel = CostModels.Default,
    ExperimentSetting Setting = ExperimentSetting.Tessera, int? MiniBatchSize = null)
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool> _read = new(StringComparer.Ordinal);

    /// <summary>Every shared file the experiment asked for (its inputs, for the result's manifest).</summary>
    public IEnumerable<string> Inputs => _read.Keys.Order(StringComparer.Ordinal);

    /// <summary>Samples per mini-batch that leave every batch whole: one mini-batch per model.</summary>
    public const int WholeBatch = int.MaxValue;

    /// <summary>Refuses a setting or a mini-batch size the experiment does not take.</summary>
    public void Check(IExperiment experiment)
    {
        ArgumentNullException.ThrowIfNull(experiment);
        if (!experiment.Settings.Contains(Setting))
            throw new TesseraInputException($"experiment {experiment.Name} has no setting {Setting.ToString().ToLowerInvariant()}; " +
                $"expected {string.Join(" or ", experiment.Settings.Select(s => s.ToString().ToLowerInvariant()))}");
        if (MiniBatchSize is { } size && (!experiment.Pipelines || size < 1))
            throw new TesseraInputException(experiment.Pipelines ? $"mini-batch size {size}; expected a positive number of samples"
                : $"experiment {experiment.Name} pipelines no model, so a mini-batch size does not apply; expected no --minibatch-size");
    }

    /// <summary>A file under the shared folder; a clear error when the folder was not found.</summary>
    public string SharedFile(string experiment, params string[] parts)
    {
        if (SharedFolder is null)
            throw new TesseraInputException(
                $"experiment {experiment} reads the shared data folder (shared/data/stream…), which was not found; set TESSERA_SHARED to the folder that holds data/");
        var path = Path.Combine([SharedFolder, .. parts]);
        if (!File.Exists(path))
            throw new TesseraInputException($"experiment {experiment}: {path} does not exist; expected the shared data folder's {string.Join('/', parts)}");
        _read.TryAdd(path, true);
        return path;
    }
}

/// <summary>The result of an experiment: its typed rows (serialised as JSON) and their table form.</summary>
public abstract record ExperimentResult(string Experiment)
{
    /// <summary>The operator cost model every cell was costed with.</summary>
    public string CostModel { get; init; } = CostModels.Default;

    /// <summary>The setting it ran under.</summary>
    public ExperimentSetting Setting { get; init; } = ExperimentSetting.Tessera;

    /// <summary>The rows as a table for the console.</summary>
    public abstract ResultTable ToTable();
}

/// <summary>The experiments, found by reflection: every public non-abstract <see cref="IExperiment"/> in this assembly, by name.</summary>
public static class ExperimentRegistry
{
    public static ImmutableArray<IExperiment> All { get; } = Registry.Discover<IExperiment>(e => e.Name);

    /// <summary>The experiment with this name (case-insensitive); an input error listing the known names otherwise.</summary>
    public static IExperiment Find(string name) => Registry.Find(All, name, e => e.Name, "experiment");

    /// <summary>
    /// The shared folder (the one holding data/): the explicit folder if given, else the first ancestor of a start
    /// directory that has shared/data. Null when none is found (experiments that need it then say so).
    /// </summary>
    public static string? LocateShared(string? explicitFolder, IEnumerable<string> startDirectories)
    {
        if (!string.IsNullOrWhiteSpace(explicitFolder))
            return Directory.Exists(Path.Combine(explicitFolder, "data")) ? Path.GetFullPath(explicitFolder)
                : throw new TesseraInputException($"shared folder {explicitFolder} has no data/ folder; expected the folder that holds data/stream");
        foreach (var start in startDirectories)
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                if (Directory.Exists(Path.Combine(dir.FullName, "shared", "data")))
                    return Path.Combine(dir.FullName, "shared");
        return null;
    }
}
