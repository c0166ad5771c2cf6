import 'katex/dist/katex.min.css';
import './ui/global.css';
import './ui/notebook-app';
