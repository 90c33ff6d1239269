namespace Tessera.Diagnostics;

/// <summary>Bad user input: names where (file, line and column, node) and what was expected.</summary>
/// <remarks>The command line prints <see cref="Exception.Message"/> alone and exits with code 2.</remarks>
public sealed class TesseraInputException : Exception
{
    public TesseraInputException(string message) : base(message) { }

    public TesseraInputException(string message, Exception inner) : base(message, inner) { }

    public TesseraInputException() { }

    /// <summary>Builds "where: what" with where omitted when unknown.</summary>
    public static TesseraInputException At(string? where, string what) =>
        new(string.IsNullOrEmpty(where) ? what : $"{where}: {what}");
}
