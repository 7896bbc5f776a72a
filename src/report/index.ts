export { renderReportHtml } from './page';
export { parseReport, ReportFormatError } from './parse';
