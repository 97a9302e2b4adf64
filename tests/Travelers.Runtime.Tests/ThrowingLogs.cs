using Travelers;

namespace Travelers.Runtime.Tests;

/// <summary>A logger whose entries of one event throw: a failing log sink, out of the method that logs.</summary>
internal sealed class ThrowingLogs(int eventId) : Microsoft.Extensions.Logging.ILoggerFactory, Microsoft.Extensions.Logging.ILogger
{
    public const string Text = "the log sink failed";

    private readonly int eventIdToThrowOn = eventId;
    private int _thrown; // counted from whichever thread logs

    /// <summary>How many times it threw.</summary>
    public int Thrown => Volatile.Read(ref _thrown);

    /// <summary>Polls <paramref name="client"/>, letting through what this sink threw out of Poll() (counted in <see cref="Thrown"/>).</summary>
    public Action PollPast(NetClient client) => PollPast(client.Poll);

    /// <summary>Polls a server (or anything), letting through what this sink threw out of its poll.</summary>
    public Action PollPast(Action poll) => () =>
    {
        try
        {
            poll();
        }
        catch (InvalidOperationException e) when (e.Message == Text)
        {
            // counted where it was thrown
        }
    };

    public Microsoft.Extensions.Logging.ILogger CreateLogger(string categoryName) => this;

    public void AddProvider(Microsoft.Extensions.Logging.ILoggerProvider provider)
    {
    }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;

    public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (eventId.Id == eventIdToThrowOn)
        {
            Interlocked.Increment(ref _thrown);
            throw new InvalidOperationException(Text);
        }
    }

    public void Dispose()
    {
    }
}
