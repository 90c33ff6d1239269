using System.Collections.Immutable;
using Tessera.Costs;
using Tessera.Diagnostics;
using Tessera.Reports;
using Tessera.Technology;

namespace Tessera.Studies;

/// <summary>
/// A deployment study on composed chiplet packages: `tessera study NAME [study.yaml]` runs it. A new study is one class
/// implementing this interface with a public parameterless constructor; <see cref="StudyRegistry"/> finds it.
/// </summary>
public interface IStudy
{
    /// <summary>The command-line name, lower case with dashes; also the name of its embedded default file.</summary>
    string Name { get; }

    /// <summary>One line: what is deployed, under which targets.</summary>
    string Description { get; }

    /// <summary>The built-in study file, as a user would copy and edit it.</summary>
    string DefaultYaml { get; }

    /// <summary>Reads the study file and checks every value without simulating; bad input throws <see cref="TesseraInputException"/>.</summary>
    void Validate(StudyOptions options);

    /// <summary>Composes and simulates every package of the study; reports the finished share (0–1) as it goes.</summary>
    StudyResult Run(StudyOptions options, IProgress<double>? progress, CancellationToken cancellation);
}

/// <summary>
/// How to run a study: its file (null for the built-in default), the technology library, the operator cost model's
/// name (null: the file's <c>cost_model:</c>, else the default) and whether to search the file's large space
/// (<c>full:</c>, `--full`).
/// </summary>
public sealed record StudyOptions(string? Path, TechnologyLibrary Technology, string? CostModel = null, bool Full = false)
{
    /// <summary>A stage simulator on the chosen cost model, else the file's (one per run: it caches that run's simulations).</summary>
    public StageSimulator Simulator(string? fileCostModel = null) => new(CostModels.Create(CostModel ?? fileCostModel ?? CostModels.Default));
}

/// <summary>The result of a study: the console tables and the JSON document.</summary>
public abstract record StudyResult(string Study)
{
    /// <summary>The operator cost model every stage was simulated with.</summary>
    public string CostModel { get; init; } = CostModels.Default;

    /// <summary>The result as neutral tables, in the order they are read: packages, baselines, rejected packages.</summary>
    public abstract ImmutableArray<ResultTable> ToTables();

    /// <summary>The JSON document of `tessera study NAME --json` (serialised with camel-case names, enums as strings).</summary>
    public abstract object ToJson();
}

/// <summary>The studies, found by reflection: every public non-abstract <see cref="IStudy"/> in this assembly, by name.</summary>
public static class StudyRegistry
{
    public static ImmutableArray<IStudy> All { get; } = Registry.Discover<IStudy>(s => s.Name);

    /// <summary>The study with this name (case-insensitive); an input error with a did-you-mean and the known names otherwise.</summary>
    public static IStudy Find(string name) => Registry.Find(All, name, s => s.Name, "study");
}
