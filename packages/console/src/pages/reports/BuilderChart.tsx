import { Card, Group, Select, Text } from '@mantine/core';
import { useState } from 'react';
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { builderChart, periodLabel, SERIES_CAP } from './chart-series';

const COLORS = ['#0ca678', '#1098ad', '#f08c00', '#7048e8', '#e03131', '#d6336c', '#37b24d', '#1c7ed6', '#868e96', '#495057'];

interface PointProps {
  cx?: number;
  cy?: number;
  value?: number;
  payload?: Record<string, number>;
}

/**
 * The builder's chart: the chosen measure over every period of the range, a line per combination
 * of the dimensions' values (capped, the rest summed as "other"), or a line per measure without
 * dimensions. Each point carries its series and value as data attributes, for whoever reads the DOM.
 */
export function BuilderChart(props: {
  rows: Array<Record<string, string | number | null>>;
  measures: string[];
  dimensions: string[];
  from: number;
  to: number;
  granularity: string;
}) {
  const [picked, setPicked] = useState<string | null>(null);
  if (props.granularity === 'none')
    return (
      <Text size="sm" c="dimmed" data-testid="builder-chart-note">
        No chart for the whole range at once: choose an hour, day, week or month granularity to chart it over time.
      </Text>
    );
  const measure = picked && props.measures.includes(picked) ? picked : (props.measures[0] ?? '');
  const chart = builderChart(props.rows, { ...props, measure });
  const byDimension = props.dimensions.length > 0;
  // Hundreds of periods (hours over a month) make the dots a smear: keep them, unseen, for their data.
  const radius = chart.points.length > 120 ? 0 : 2.5;
  return (
    <Card withBorder>
      <Group justify="space-between" mb="xs" align="end">
        <Text size="sm" c="dimmed" data-testid="builder-chart-note">
          {byDimension
            ? chart.folded > 0
              ? `${measure} per ${props.granularity}: the ${SERIES_CAP} largest of ${chart.combinations} ${props.dimensions.join(' · ')} values by total, the other ${chart.folded} summed as "other".`
              : `${measure} per ${props.granularity}, a line per ${props.dimensions.join(' · ')} value (at most ${SERIES_CAP} and "other").`
            : `Each measure per ${props.granularity}.`}
        </Text>
        {byDimension && props.measures.length > 1 && (
          <Select
            label="Chart measure"
            data={props.measures}
            value={measure}
            onChange={setPicked}
            allowDeselect={false}
            w={200}
            size="xs"
          />
        )}
      </Group>
      <div style={{ height: 300 }} aria-label="Custom report chart">
        <ResponsiveContainer>
          <LineChart data={chart.points}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis dataKey="period" fontSize={11} tickFormatter={(p: number) => periodLabel(p, props.granularity)} />
            <YAxis allowDecimals={false} fontSize={11} width={40} />
            <Tooltip labelFormatter={(p) => periodLabel(Number(p), props.granularity)} />
            <Legend />
            {chart.series.map((s, i) => (
              <Line
                key={s.key}
                type="linear"
                dataKey={s.key}
                name={s.label}
                stroke={COLORS[i % COLORS.length]}
                isAnimationActive={false}
                dot={(p: PointProps) => (
                  <circle
                    key={`${s.key}-${p.payload?.['period'] ?? ''}`}
                    className="builder-point"
                    cx={p.cx}
                    cy={p.cy}
                    r={radius}
                    fill={COLORS[i % COLORS.length]}
                    data-series={s.label}
                    data-period={new Date(p.payload?.['period'] ?? 0).toISOString()}
                    data-value={p.value}
                  />
                )}
              />
            ))}
          </LineChart>
        </ResponsiveContainer>
      </div>
    </Card>
  );
}
